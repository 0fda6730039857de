"""Broken rules files give one line that names the file, the rule and the problem."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.errors import SamenspelError
from pipeline.tagging import Tagger


def _error(path: Path) -> str:
    with pytest.raises(SamenspelError) as info:
        Tagger.load(path)
    message = str(info.value)
    assert "\n" not in message
    assert path.name in message
    return message


def test_unknown_label(rules_data: dict, write_rules) -> None:
    """A rule pointing to a label outside the taxonomy is named with the bad label."""
    rules_data["perspective"]["crisis"]["label"] = "buurtje"
    message = _error(write_rules(rules_data, "x.yaml"))
    assert message == "rules file x.yaml: perspective rule 'crisis' names unknown label 'buurtje'"


def test_wrong_type(rules_data: dict, write_rules) -> None:
    """A weight that is not a number is reported with rule and field."""
    rules_data["citizen_role"]["kiezer"]["weight"] = "veel"
    message = _error(write_rules(rules_data))
    assert "citizen_role rule 'kiezer', field 'weight'" in message


def test_missing_key(rules_data: dict, write_rules) -> None:
    """A rule without a label is reported as a missing key of that rule."""
    del rules_data["municipality_role"]["leveren"]["label"]
    message = _error(write_rules(rules_data))
    assert "municipality_role rule 'leveren': missing key 'label'" in message


def test_missing_top_level_key(rules_data: dict, write_rules) -> None:
    """A missing section is named."""
    del rules_data["version"]
    assert "missing key 'version'" in _error(write_rules(rules_data))


def test_unknown_key(rules_data: dict, write_rules) -> None:
    """A misspelt key is refused rather than silently ignored."""
    rules_data["perspective"]["crisis"]["wrods"] = ["brand"]
    assert "perspective rule 'crisis': unknown key 'wrods'" in _error(write_rules(rules_data))


def test_unknown_channel_prior(rules_data: dict, write_rules) -> None:
    """A channel prior for a channel that does not exist is refused."""
    rules_data["channel_priors"]["fax"] = {"perspective": {"buurten": 1.0}}
    assert "channel prior 'fax' is not a channel" in _error(write_rules(rules_data))


def test_yaml_syntax_error_names_line(write_rules) -> None:
    """A YAML syntax error names its line number."""
    path = write_rules('version: "1"\nweights:\n  rules: [a, b\n  model: x\n')
    message = _error(path)
    assert "YAML syntax error at line" in message


def test_edited_rule_changes_tags(rules_data: dict, write_rules) -> None:
    """An operations edit (a new word in a rule) changes the tag without code changes."""
    text = "Vraag over de zwoffelregeling"
    rules_data["citizen_role"]["belastingbetaler"]["words"].append("zwoffelregeling")
    rules_data["citizen_role"]["belastingbetaler"]["weight"] = 5.0
    assert Tagger.load().tag(text, channel="web").citizen_role != "belastingbetaler"
    tagger = Tagger.load(write_rules(rules_data))
    tags = tagger.tag(text, channel="web")
    assert tags.citizen_role == "belastingbetaler"
    assert any("'zwoffelregeling'" in r for r in tags.reasons)
