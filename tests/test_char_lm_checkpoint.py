"""Chapter 6's checkpoint and helpers around it: the float16 round trip, hidden states from the torch
module, and the device choice (issue 20: these had no unit test)."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")
from rnn_helpers.char_lm import (hidden_states, load_checkpoint, make_char_lm, pick_device,  # noqa: E402
                                 read, round_to_half, save_checkpoint)
from rnn_helpers.vocab import Vocabulary  # noqa: E402
from reference import exactly  # noqa: E402

VOCAB = Vocabulary(list("ab c."))


def float16_rounded(tensor):
    """The float32 value nearest to each float16 nearest to the entry, by numpy."""
    return torch.from_numpy(tensor.detach().numpy().astype(np.float16).astype(np.float32))


@pytest.mark.parametrize("kind", ["lstm", "rnn"])
def test_hidden_states_are_the_numpy_readers_states(kind):
    model = make_char_lm(len(VOCAB), 6, kind, seed=3)
    text = "ab c.ba"
    h = hidden_states(model, VOCAB, text)
    assert h.shape == (7, 6) and h.dtype == np.float64
    _, h_numpy, _ = read(model, VOCAB, text)
    np.testing.assert_allclose(h, h_numpy, rtol=0, atol=1e-6)  # float32 module vs float64 numpy


def test_hidden_states_refuse_a_character_outside_the_vocabulary():
    model = make_char_lm(len(VOCAB), 4, "rnn")
    with pytest.raises(ValueError, match="'z'"):
        hidden_states(model, VOCAB, "abz")


def test_round_to_half_keeps_what_float16_can_hold():
    model = make_char_lm(len(VOCAB), 5, "lstm", seed=1)
    with torch.no_grad():
        for p in model.parameters():
            p.mul_(3.7)  # off the float16 grid
    before = {name: p.detach().clone() for name, p in model.named_parameters()}
    round_to_half(model)
    for name, p in model.named_parameters():
        assert p.dtype == torch.float32
        assert torch.equal(p.detach(), float16_rounded(before[name])), name
        assert not torch.equal(p.detach(), before[name]), name


def test_checkpoint_round_trip_keeps_kind_size_vocabulary_meta_and_float16_weights(tmp_path):
    models = {"small": make_char_lm(len(VOCAB), 4, "rnn", seed=0), "gated": make_char_lm(len(VOCAB), 3, "lstm", seed=2)}
    path = tmp_path / "lm.pt"
    meta = {"steps": 12, "note": "tiny"}
    save_checkpoint(path, models, VOCAB, meta)
    saved = torch.load(path, weights_only=True)
    assert saved["vocab"] == "ab c." and saved["meta"] == meta
    assert {name: (entry["kind"], entry["hidden"]) for name, entry in saved["models"].items()} == {
        "small": ("rnn", 4), "gated": ("lstm", 3)}
    for name, model in models.items():
        weights = saved["models"][name]["weights"]
        assert list(weights) == list(model.state_dict())
        for key, value in model.state_dict().items():
            assert weights[key].dtype == torch.float16 and weights[key].device.type == "cpu"
            assert torch.equal(weights[key].float(), float16_rounded(value)), (name, key)
            assert not weights[key].requires_grad

    loaded, vocab, loaded_meta = load_checkpoint(path)
    assert vocab.tokens == VOCAB.tokens and loaded_meta == meta
    for name, model in models.items():
        twin = loaded[name]
        assert twin.kind == model.kind and twin.recurrent.hidden_size == model.recurrent.hidden_size
        assert not twin.training  # loaded for evaluation
        round_to_half(model)
        for key, value in model.state_dict().items():
            assert torch.equal(twin.state_dict()[key], value), (name, key)


def test_load_checkpoint_names_the_missing_file(tmp_path):
    missing = tmp_path / "none.pt"
    with pytest.raises(FileNotFoundError, match=exactly(
            f"path: no checkpoint at {str(missing)!r}; scripts/train_char_lm.py writes one")):
        load_checkpoint(missing)


def test_pick_device_takes_a_named_device_as_it_is():
    assert pick_device("cpu") == torch.device("cpu")
    assert pick_device("cuda:1") == torch.device("cuda", 1)
    assert pick_device("meta") == torch.device("meta")


@pytest.mark.parametrize("cuda, mps, expected", [(True, True, "cuda"), (True, False, "cuda"), (False, True, "mps"),
                                                 (False, False, "cpu")])
def test_pick_device_auto_prefers_cuda_then_mps_then_cpu(monkeypatch, cuda, mps, expected):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: cuda)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: mps)
    assert pick_device() == torch.device(expected)
    assert pick_device("auto") == torch.device(expected)
