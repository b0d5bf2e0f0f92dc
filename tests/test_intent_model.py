"""The learned second opinion: what it learns, when understanding listens to it, and that the shipped
model is the one the shipped corpora train."""

from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from dialogs import understanding
from dialogs.intent_model import (
    HUMAN_INTENTS,
    IntentModel,
    features,
    from_counts,
    shipped,
    train,
)
from dialogs.intents import Intent
from dialogs.understanding import understand_text
from tests.reply_corpora import MODEL_PATH, model_counts

MONDAY = datetime(2026, 11, 23, 10, 0, tzinfo=ZoneInfo("Europe/Paris"))

# Phrasings no rule knows: what reaches the model.
TOY = [
    ("la palette est restée au dépôt de Rungis", Intent.DISPUTE),
    ("palette abîmée, restée au dépôt", Intent.DISPUTE),
    ("votre palette dort toujours au dépôt", Intent.DISPUTE),
    ("mon collègue s'en occupe désormais, écrivez-lui", Intent.WRONG_CONTACT),
    ("je ne m'occupe plus de ce dossier", Intent.WRONG_CONTACT),
    ("merci, bonne journée", Intent.OTHER),
    ("bien reçu, merci", Intent.OTHER),
    ("une question sur la TVA", Intent.OTHER),
    ("parfait, merci", Intent.OTHER),
]


def toy_model() -> IntentModel:
    # Through JSON, as the shipped model is read.
    return from_counts(json.loads(json.dumps(train(TOY))))


def test_features_are_folded_words_and_word_pairs_with_numbers_as_one_token():
    assert features("Colis reçu le 12/11") == {"colis", "recu", "le", "#", "colis recu", "recu le", "le #", "# #"}


def test_the_model_names_the_intent_whose_words_a_text_shares_with_its_clues():
    suggestion = toy_model().suggest("La palette est toujours au dépôt")

    assert suggestion.intent is Intent.DISPUTE and suggestion.probability > 0.9
    assert "depot" in suggestion.clues and set(suggestion.clues) <= features("La palette est toujours au dépôt")


def test_words_never_seen_in_training_change_nothing():
    model = toy_model()

    assert model.suggest("xyzzy plugh") == model.suggest("")
    assert model.suggest("").intent is Intent.OTHER  # the likeliest a priori: four of the toy's nine


def test_bounces_and_auto_replies_are_not_learned():
    counts = train([*TOY, ("je suis absent jusqu'au 4 janvier", Intent.AUTO_REPLY)])

    assert "absent" not in counts["features"]
    assert set(counts["documents"]) == {str(i) for i in HUMAN_INTENTS}


def test_where_the_rules_find_nothing_a_near_certain_model_names_the_intent_but_leaves_it_to_the_owner(
        monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(understanding, "shipped", toy_model)

    got = understand_text("La palette est restée au dépôt, votre palette dort au dépôt", sent_at=MONDAY)

    assert got.intent is Intent.DISPUTE
    assert got.confidence == understanding.LEARNED_CONFIDENCE < understanding.UNSURE  # the owner decides
    assert got.evidence[0].startswith("resembles labelled dispute replies: ")


def test_the_model_is_not_asked_when_the_rules_are_sure(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(understanding, "shipped", lambda: pytest.fail("the model was asked"))

    got = understand_text("Je vous paierai la facture vendredi 27 novembre.", sent_at=MONDAY)

    assert (got.intent, got.promised_date.isoformat() if got.promised_date else None) == (
        Intent.PROMISE_TO_PAY, "2026-11-27")
    assert got.confidence >= understanding.UNSURE


def test_a_model_short_of_near_certainty_leaves_a_reply_the_rules_could_not_read_as_other(
        monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(understanding, "shipped", toy_model)

    got = understand_text("palette", sent_at=MONDAY)  # one shared word: likely, not near-certain

    assert (got.intent, got.confidence, got.evidence) == (Intent.OTHER, 0.2, ())


def test_the_shipped_model_reads_what_the_rules_miss_in_plain_cases():
    assert shipped().suggest("Les travaux n'ont jamais été terminés, je refuse de payer en l'état.").intent \
        is Intent.DISPUTE
    assert shipped().suggest("Madame Petit a quitté l'entreprise, écrivez désormais à compta@boulangerie.example"
                             ).intent is Intent.WRONG_CONTACT


def test_the_shipped_model_is_what_the_shipped_corpora_train():
    shipped_counts = json.loads(MODEL_PATH.read_text(encoding="utf-8"))

    assert shipped_counts == model_counts(), "the labelled replies changed: run `make model` and commit the result"
