import numpy as np
import pytest

from rnn_helpers.vocab import Vocabulary


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
