"""Vocabularies: turning tokens (words or characters) into indices and one-hot vectors.

Introduced in chapter 1 (words) and used in chapter 3 (characters).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np


class Vocabulary:
    """A fixed, ordered set of tokens.

    >>> vocab = Vocabulary(["P", "l", "e", "a", "s"])
    >>> vocab.encode("Please".rstrip("e"))
    array([0, 1, 2, 3, 4])
    """

    def __init__(self, tokens: Sequence[str]):
        if isinstance(tokens, str) and " " in tokens:
            raise TypeError("tokens must be a list of distinct tokens; got a sentence string: pass sentence.split()")
        if not isinstance(tokens, (Sequence, set, frozenset, dict)) and not hasattr(tokens, "__iter__"):
            raise TypeError(f"tokens must be a list of distinct strings; got {type(tokens).__name__}")
        tokens = list(tokens)
        if not tokens:
            raise ValueError("a vocabulary needs at least one token; got none")
        not_text = [t for t in tokens if not isinstance(t, str) or not t]
        if not_text:
            raise TypeError(f"tokens must be non-empty strings; got {not_text[0]!r} among them")
        duplicates = sorted(t for t, n in Counter(tokens).items() if n > 1)  # linear time
        if duplicates:
            raise ValueError(f"vocabulary tokens must be distinct; repeated: {duplicates}")
        self.tokens = tokens
        self._index = {token: i for i, token in enumerate(tokens)}

    def __len__(self) -> int:
        return len(self.tokens)

    def __repr__(self) -> str:
        return f"Vocabulary({self.tokens})"

    def encode(self, sequence: Sequence[str], name: str = "sequence") -> np.ndarray:
        """Indices of the tokens of ``sequence`` (a string of characters, or a list of words): shape (T,).

        ``name`` is the argument's name in error messages (``text`` when a caller passes its own).
        """
        if isinstance(sequence, str) and " " in sequence and " " not in self._index and any(
            len(token) > 1 for token in self.tokens
        ):
            raise ValueError(f"{name} is a sentence string, but this vocabulary holds words: pass a list of "
                             "words, e.g. sentence.split()")
        if isinstance(sequence, np.ndarray) and sequence.dtype.kind == "U":
            sequence = sequence.tolist()
        if not isinstance(sequence, (str, list, tuple)):
            raise TypeError(
                f"{name} must be a string of characters or a list of tokens; "
                f"got {type(sequence).__name__}"
            )
        if len(sequence) == 0:
            raise ValueError(f"{name} is an empty sequence; give at least one token")
        unknown = [token for token in sequence if not isinstance(token, str) or token not in self._index]
        if unknown:
            raise ValueError(f"{unknown[0]!r} is not in the vocabulary {self.tokens} (it is in {name})")
        return np.array([self._index[token] for token in sequence])

    def decode(self, indices) -> list[str]:
        """Tokens for integer ``indices`` of shape (T,)."""
        if type(indices).__module__.startswith("torch"):
            indices = indices.detach().cpu().numpy()
        if isinstance(indices, str) or not isinstance(indices, (np.ndarray, list, tuple, range)):
            raise TypeError(f"indices must be a 1-D array of integers; got {type(indices).__name__}")
        indices = np.asarray(indices)
        if indices.size == 0 and indices.ndim == 1:
            return []
        if indices.dtype.kind not in "iu" or indices.ndim != 1:
            raise ValueError(f"indices must be a 1-D array of integers; got dtype {indices.dtype}, shape {indices.shape}")
        bad = indices[(indices < 0) | (indices >= len(self))]
        if bad.size:
            raise ValueError(f"index {int(bad[0])} is outside the vocabulary (0 to {len(self) - 1})")
        return [self.tokens[i] for i in indices]

    def one_hot(self, sequence: Sequence[str]) -> np.ndarray:
        """One-hot rows for ``sequence``: shape (T, len(vocabulary)), float64."""
        return np.eye(len(self))[self.encode(sequence)]

    def bag_of_words(self, sequence: Sequence[str]) -> np.ndarray:
        """How often each token occurs in ``sequence``, ignoring order: shape (len(vocabulary),)."""
        return self.one_hot(sequence).sum(axis=0)
