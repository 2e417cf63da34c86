import numpy as np
import pytest

from rnn_helpers.vocab import Vocabulary
from reference import exactly


def test_encode_one_hot_and_decode_round_trip():
    vocab = Vocabulary(["P", "l", "e", "a", "s"])
    indices = vocab.encode("Pleas")
    np.testing.assert_array_equal(indices, [0, 1, 2, 3, 4])
    np.testing.assert_array_equal(vocab.one_hot("Pe"), [[1, 0, 0, 0, 0], [0, 0, 1, 0, 0]])
    assert "".join(vocab.decode(indices)) == "Pleas"


def test_bag_of_words_ignores_order():
    vocab = Vocabulary(["Deep", "learning", "is", "amazing"])
    a = vocab.bag_of_words("Deep learning is amazing".split())
    b = vocab.bag_of_words("learning amazing Deep is".split())
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(a, [1, 1, 1, 1])


def test_unknown_token_names_it_and_lists_the_vocabulary():
    vocab = Vocabulary(["P", "l", "e", "a", "s"])
    with pytest.raises(ValueError, match=r"'x' is not in the vocabulary \['P', 'l', 'e', 'a', 's'\]"):
        vocab.encode("Plxase")


@pytest.mark.parametrize(
    "call, pattern",
    [
        (lambda v: v.encode(""), "empty sequence"),
        (lambda v: v.decode([7]), r"index 7 is outside the vocabulary \(0 to 1\)"),
        (lambda v: v.decode([0.5]), "1-D array of integers"),
    ],
)
def test_bad_input(call, pattern):
    with pytest.raises(ValueError, match=pattern):
        call(Vocabulary(["ab", "cd"]))


def test_word_vocabulary_refuses_a_whole_sentence_string():
    with pytest.raises(ValueError, match=r"pass a list of words"):
        Vocabulary(["Deep", "learning"]).encode("Deep learning")


def test_vocabulary_must_be_distinct_and_non_empty():
    with pytest.raises(ValueError, match=r"repeated: \['e'\]"):
        Vocabulary(list("Please"))
    with pytest.raises(ValueError, match="at least one token"):
        Vocabulary([])


# ---- whole messages and the edges of each check (issue 20: mutants that once survived) --------


def test_tokens_from_a_string_of_characters_or_any_iterable():
    assert Vocabulary("Pleas").tokens == ["P", "l", "e", "a", "s"]  # a word's characters, no space
    assert Vocabulary(iter(["a", "b"])).tokens == ["a", "b"]          # an iterator is not a Sequence
    assert Vocabulary(np.array(["a", "b"])).tokens == ["a", "b"]


@pytest.mark.parametrize("tokens, error, message", [
    ("Deep learning", TypeError,
     "tokens must be a list of distinct tokens; got a sentence string: pass sentence.split()"),
    (5, TypeError, "tokens must be a list of distinct strings; got int"),
    ([], ValueError, "a vocabulary needs at least one token; got none"),
    (["a", ""], TypeError, "tokens must be non-empty strings; got '' among them"),
    (["a", 3, 4.5], TypeError, "tokens must be non-empty strings; got 3 among them"),
    (["a", "b", "a"], ValueError, "vocabulary tokens must be distinct; repeated: ['a']"),
])
def test_bad_tokens_get_the_whole_message(tokens, error, message):
    with pytest.raises(error, match=exactly(message)):
        Vocabulary(tokens)


def test_encode_accepts_a_numpy_array_of_tokens():
    vocab = Vocabulary(["Deep", "learning", "is"])
    np.testing.assert_array_equal(vocab.encode(np.array(["is", "Deep"])), [2, 0])


def test_a_sentence_string_is_refused_only_by_a_vocabulary_of_words():
    words = Vocabulary(["Deep", "learning"])
    with pytest.raises(ValueError, match=exactly("text is a sentence string, but this vocabulary holds words: "
                                               "pass a list of words, e.g. sentence.split()")):
        words.encode("Deep learning", name="text")
    # characters with a space among them: a string is the right input
    chars = Vocabulary(list("ab "))
    np.testing.assert_array_equal(chars.encode("ab a"), [0, 1, 2, 0])
    # words with a space token: the string is read character by character, and 'D' is unknown
    with_space = Vocabulary(["Deep", " ", "learning"])
    with pytest.raises(ValueError, match=exactly("'D' is not in the vocabulary ['Deep', ' ', 'learning'] "
                                               "(it is in sequence)")):
        with_space.encode("Deep learning")
    # one-character tokens only (no token longer than 1): not a vocabulary of words
    single = Vocabulary(["a", "b"])
    with pytest.raises(ValueError, match=exactly("' ' is not in the vocabulary ['a', 'b'] (it is in sequence)")):
        single.encode("a b")
    # two-character tokens are words already
    pairs = Vocabulary(["ab", "cd"])
    with pytest.raises(ValueError, match="this vocabulary holds words"):
        pairs.encode("ab cd")


@pytest.mark.parametrize("sequence, error, message", [
    (5, TypeError, "text must be a string of characters or a list of tokens; got int"),
    ("", ValueError, "text is an empty sequence; give at least one token"),
])
def test_bad_sequences_get_the_whole_message(sequence, error, message):
    with pytest.raises(error, match=exactly(message)):
        Vocabulary(["a", "b"]).encode(sequence, name="text")


def test_decode_takes_a_torch_tensor():
    torch = pytest.importorskip("torch")
    assert Vocabulary(["a", "b", "c"]).decode(torch.tensor([2, 0])) == ["c", "a"]


def test_decode_edges_and_whole_messages():
    vocab = Vocabulary(["a", "b", "c"])
    assert vocab.decode([0, 2]) == ["a", "c"]
    assert vocab.decode(np.array([2], dtype=np.uint8)) == ["c"]  # unsigned integers are integers
    with pytest.raises(TypeError, match=exactly("indices must be a 1-D array of integers; got str")):
        vocab.decode("ab")
    with pytest.raises(TypeError, match=exactly("indices must be a 1-D array of integers; got dict")):
        vocab.decode({0: 1})
    with pytest.raises(ValueError, match=exactly("index 3 is outside the vocabulary (0 to 2)")):
        vocab.decode([0, 3])  # the first index past the end
    with pytest.raises(ValueError, match=exactly("index -1 is outside the vocabulary (0 to 2)")):
        vocab.decode([-1])
    with pytest.raises(ValueError, match=exactly("indices must be a 1-D array of integers; "
                                               "got dtype float64, shape (1,)")):
        vocab.decode([0.5])
