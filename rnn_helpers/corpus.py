"""Text to train a character language model on: the book's own frozen corpus, or yours.

Introduced in chapter 6. ``book_corpus()`` returns the text that
``scripts/freeze_corpus.py`` froze into ``rnn_helpers/data/book_corpus.txt``: the prose of
chapters 1 to 5, the pages of ``book/`` and the source of ``rnn_helpers``, so English and
Python. It ships with the package, so it is there offline, on the website build and in
Colab. ``load_corpus(path)`` reads a text file of your own and says clearly what is wrong
with it when it cannot be used. ``split_corpus`` holds out a validation part.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from .vocab import Vocabulary

DATA = Path(__file__).resolve().parent / "data"
BOOK_CORPUS = DATA / "book_corpus.txt"
MIN_CHARACTERS = 1_000


def corpus_hash(text: str) -> str:
    """SHA-256 of the UTF-8 bytes of ``text`` (hex): names exactly one corpus."""
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}")
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def load_corpus(path, min_characters: int = MIN_CHARACTERS) -> str:
    """Read the text file at ``path`` (UTF-8) as one string, with line ends made ``"\\n"``.

    Raises ``FileNotFoundError`` for a missing file, ``ValueError`` for a file that is not
    text (it holds NUL bytes, as images, archives and compiled files do), that is not valid
    UTF-8 (the message gives the byte offset and how to convert the file), or that has fewer
    than ``min_characters`` characters (too short for a model to learn anything from).
    Introduced in chapter 6.
    """
    if not isinstance(path, (str, Path)):
        raise TypeError(f"path must be a file name (str or pathlib.Path), got {type(path).__name__}")
    path = Path(path).expanduser()
    if not path.exists():
        raise FileNotFoundError(f"path: no file at {str(path)!r}; give the path of a text file")
    if path.is_dir():
        raise ValueError(f"path: {str(path)!r} is a folder; give the path of one text file in it")
    data = path.read_bytes()
    if b"\x00" in data[:65536]:
        raise ValueError(f"path: {path.name!r} looks like a binary file (it holds NUL bytes), not text; "
                         "give a plain-text file such as .txt, .md or .py")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ValueError(f"path: {path.name!r} is not UTF-8 text (byte {error.start} is {data[error.start]:#04x}); "
                         "save it as UTF-8, or convert it, e.g. "
                         "open(p, encoding='latin-1').read() then write it with encoding='utf-8'") from None
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    if len(text) < min_characters:
        raise ValueError(f"path: {path.name!r} has {len(text)} characters; a language model needs at least "
                         f"{min_characters} (a few hundred thousand is better)")
    return text


def book_corpus() -> str:
    """The frozen corpus of the book (about 360,000 characters). Introduced in chapter 6."""
    return load_corpus(BOOK_CORPUS)


def corpus_manifest() -> dict:
    """What ``scripts/freeze_corpus.py`` recorded: the hash, the size and the documents."""
    return json.loads((DATA / "book_corpus.json").read_text(encoding="utf-8"))


def split_corpus(text: str, validation_share: float = 0.1, block: int = 2_000) -> tuple[str, str]:
    """Cut ``text`` into blocks of ``block`` characters; every k-th block goes to validation.

    k = round(1 / validation_share), so 0.1 holds out every 10th block. Blocks rather than
    the tail, so that the validation text has English and Python in the same mix as the
    training text. Returns ``(train, validation)``. Introduced in chapter 6.
    """
    if not isinstance(text, str) or not text:
        raise ValueError("text must be a non-empty string")
    if not 0 < validation_share < 0.5:
        raise ValueError(f"validation_share must be between 0 and 0.5; got {validation_share!r}")
    if not isinstance(block, int) or block < 1:
        raise ValueError(f"block must be a positive integer; got {block!r}")
    every = round(1 / validation_share)
    blocks = [text[i:i + block] for i in range(0, len(text), block)]
    if len(blocks) < every:
        raise ValueError(f"text has {len(text)} characters: too short to hold out one block of {block} "
                         f"in every {every}; give more text or a smaller block")
    train = "".join(b for i, b in enumerate(blocks) if i % every != every - 1)
    validation = "".join(b for i, b in enumerate(blocks) if i % every == every - 1)
    return train, validation


def char_vocabulary(text: str) -> Vocabulary:
    """A ``Vocabulary`` of the distinct characters of ``text``, sorted by code point."""
    if not isinstance(text, str) or not text:
        raise ValueError("text must be a non-empty string")
    return Vocabulary(sorted(set(text)))


__all__ = ["book_corpus", "load_corpus", "corpus_hash", "corpus_manifest", "split_corpus", "char_vocabulary",
           "BOOK_CORPUS"]
