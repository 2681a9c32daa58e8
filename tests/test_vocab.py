"""Units of the 28-symbol alphabet: layout, encoding, decoding and input errors."""

from __future__ import annotations

import random
import string

import pytest
import torch

from discrete_gan.data import vocab


def test_alphabet_layout() -> None:
    assert vocab.VOCAB_SIZE == len(vocab.SYMBOLS) == 28
    assert vocab.SYMBOLS[0] == "." and vocab.START_ID == 0
    assert vocab.SYMBOLS[-1] == "$" and vocab.END_ID == 27
    assert vocab.SYMBOLS[1:27] == string.ascii_lowercase


@pytest.mark.parametrize("length", range(10))
def test_round_trip_every_length(length: int) -> None:
    name = "abcdefghi"[:length]
    ids = vocab.encode(name, 10)
    assert len(ids) == 10
    assert ids[:length] == [ord(ch) - ord("a") + 1 for ch in name]
    assert ids[length:] == [vocab.END_ID] * (10 - length)
    assert vocab.decode(ids) == name
    assert vocab.decode(torch.tensor(ids)) == name


def test_round_trip_random_names() -> None:
    rng = random.Random(0)
    names = ["".join(rng.choices(string.ascii_lowercase, k=rng.randint(0, 9))) for _ in range(500)]
    ids = vocab.encode_batch(names, 10)
    assert ids.shape == (500, 10) and ids.dtype == torch.long
    assert vocab.decode_batch(ids) == names


def test_name_filling_all_steps_has_no_end() -> None:
    assert vocab.encode("abc", 3) == [1, 2, 3]
    assert vocab.decode([1, 2, 3]) == "abc"


def test_decode_stops_at_first_end_and_skips_start() -> None:
    end, start = vocab.END_ID, vocab.START_ID
    assert vocab.decode([start, 1, 2, end, 3, end]) == "ab"
    assert vocab.decode([end, 1, 2]) == ""


def test_too_long_name_is_rejected() -> None:
    with pytest.raises(ValueError, match="longer than 3"):
        vocab.encode("abcd", 3)


@pytest.mark.parametrize("name", ["Anna", "o'neil", "ren\u00e9e", "a b", "$", ".", "a1"])
def test_non_letters_are_rejected(name: str) -> None:
    with pytest.raises(ValueError, match="outside a-z"):
        vocab.encode(name, 10)
