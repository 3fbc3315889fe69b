"""Parsing a Slack payload into one Interaction (chatops.core.interaction): every field read from
where Slack puts it, every string cleaned and capped, nothing ever raising."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chatops.core.interaction import (
    MAX_FIELD,
    MAX_ID,
    MAX_TEXT,
    Actor,
    Interaction,
    clean,
    element_value,
    field_values,
)


# --- clean ---------------------------------------------------------------------------------------------
def test_clean_keeps_a_field_of_exactly_3000_characters_and_cuts_the_next():
    assert MAX_FIELD == 3000
    assert clean("x" * 3000) == "x" * 3000
    assert clean("x" * 3001) == "x" * 3000


def test_clean_drops_control_characters_but_keeps_newline_and_tab():
    assert clean("a\x00b\nc\td\x7fe\x1b") == "ab\nc\tde"


def test_clean_drops_lone_surrogates_and_keeps_other_unprintable_characters():
    assert clean("a\ud800b") == "ab"
    assert clean("a\u200bb\u2028c") == "a\u200bb\u2028c"  # zero-width space, line separator


def test_clean_caps_after_dropping():
    assert clean("\x00ab\ncd", limit=4) == "ab\nc"


def test_clean_turns_anything_but_a_string_into_empty():
    assert clean(None) == "" and clean(42) == "" and clean(["a"]) == ""


@given(st.text(), st.integers(min_value=0, max_value=50))
def test_clean_never_keeps_a_control_character_nor_exceeds_its_limit(text, limit):
    out = clean(text, limit)
    assert len(out) <= limit
    assert all(ch in "\n\t" or not (ord(ch) < 32 or 0x7F <= ord(ch) < 0xA0) for ch in out)


# --- slash commands --------------------------------------------------------------------------------------
SLASH = {"user_id": "U1", "user_name": "ada", "text": "  incident  Checkout slow \n", "channel_id": "C1",
         "team_id": "T1", "trigger_id": "tr.1", "response_url": "https://hooks.slack.com/commands/1"}


def test_a_slash_command_reads_every_field():
    assert Interaction.from_slash(SLASH) == Interaction(
        kind="command", actor=Actor("U1", "ada"), text="incident  Checkout slow", channel_id="C1", team_id="T1",
        trigger_id="tr.1", response_url="https://hooks.slack.com/commands/1")


def test_a_slash_command_missing_everything_is_an_unknown_user_saying_nothing():
    assert Interaction.from_slash({}) == Interaction(kind="command", actor=Actor("unknown", None))


def test_a_slash_command_text_is_capped_at_4000_characters():
    assert MAX_TEXT == 4000
    assert Interaction.from_slash({"text": "y" * 4001}).text == "y" * 4000


def test_ids_are_stripped_and_capped_at_64_characters():
    assert MAX_ID == 64
    ix = Interaction.from_slash({"user_id": " U1 ", "channel_id": "C" * 70, "team_id": "   "})
    assert ix.user_id == "U1" and ix.channel_id == "C" * 64 and ix.team_id is None


def test_a_response_url_is_capped_at_500_characters_and_blank_is_none():
    assert Interaction.from_slash({"response_url": "h" * 600}).response_url == "h" * 500
    assert Interaction.from_slash({"response_url": ""}).response_url is None


def test_a_typed_command_is_cleaned_and_keeps_its_extras():
    ix = Interaction.command("U1", " health\x00 ", channel_id="C9")
    assert ix == Interaction(kind="command", actor=Actor("U1"), text="health", channel_id="C9")
    assert Interaction.command("U1", "z" * 4001).text == "z" * 4000
    assert ix.user_id == "U1" and ix.user_name is None


# --- modal submissions -------------------------------------------------------------------------------------
def test_a_modal_submission_reads_every_field():
    body = {"user": {"id": "U2", "username": "bo"}, "team": {"id": "T1"}, "trigger_id": "tr.2",
            "view": {"id": "V1", "hash": "h1", "callback_id": "incident_new", "private_metadata": '{"a": 1}',
                     "state": {"values": {"title": {"t": {"type": "plain_text_input", "value": "Down"}}}}}}
    assert Interaction.from_view(body) == Interaction(
        kind="modal", actor=Actor("U2", "bo"), name="incident_new", values={"title": "Down"},
        private_metadata='{"a": 1}', view_id="V1", view_hash="h1", team_id="T1", trigger_id="tr.2")


def test_a_modal_user_without_a_username_is_named_by_name():
    assert Interaction.from_view({"user": {"id": "U2", "name": "bo"}}).user_name == "bo"


def test_an_empty_modal_payload_parses():
    assert Interaction.from_view({}) == Interaction(kind="modal", actor=Actor("unknown", None))


def test_modal_names_and_metadata_are_capped():
    ix = Interaction.from_view({"view": {"callback_id": "c" * 300, "private_metadata": "m" * 3100}})
    assert ix.name == "c" * 255 and ix.private_metadata == "m" * 3000


@pytest.mark.parametrize("element,value", [
    ({"type": "static_select", "selected_option": {"value": "SEV2"}}, "SEV2"),
    ({"type": "external_select", "selected_option": {"value": "x"}}, "x"),
    ({"type": "radio_buttons", "selected_option": {"value": "r"}}, "r"),
    ({"type": "radio_buttons", "selected_option": None, "value": "stray"}, None),
    ({"type": "multi_static_select", "selected_options": [{"value": "a"}, "junk", {"value": "b"}]}, ["a", "b"]),
    ({"type": "checkboxes", "selected_options": None}, []),
    ({"type": "multi_external_select", "selected_options": [{"value": "c"}]}, ["c"]),
    ({"type": "users_select", "selected_user": "U3"}, "U3"),
    ({"type": "conversations_select", "selected_conversation": "C3"}, "C3"),
    ({"type": "channels_select", "selected_channel": "C4"}, "C4"),
    ({"type": "datepicker", "selected_date": "2026-11-26"}, "2026-11-26"),
    ({"type": "timepicker", "selected_time": "09:30"}, "09:30"),
    ({"type": "multi_users_select", "selected_users": ["U1", "U2"]}, ["U1", "U2"]),
    ({"type": "multi_users_select"}, []),
    ({"type": "file_input", "files": [{"id": "F1"}]}, [{"id": "F1"}]),
    ({"type": "file_input"}, []),
    ({"type": "plain_text_input", "value": "typed"}, "typed"),
])
def test_each_input_element_gives_its_value(element, value):
    assert element_value(element) == value


def test_field_values_take_the_first_element_of_each_block_cleaned():
    values = {
        "title": {"a": "not an element", "b": {"type": "plain_text_input", "value": "Down\x00"}},
        "tags": {"t": {"type": "multi_static_select", "selected_options": [{"value": f"v{i}"} for i in range(25)]}},
        "files": {"f": {"type": "file_input", "files": [{"id": "F1", "size": 3, "name": "n" * 2100}]}},
        "odd": {"o": {"type": "plain_text_input", "value": 7}},
        "b" * 300: {"x": {"type": "plain_text_input", "value": "long id"}},
        "empty": "not a dict",
    }
    assert field_values(values) == {
        "title": "Down",
        "tags": [f"v{i}" for i in range(20)],
        "files": [{"id": "F1", "name": "n" * 2000}],
        "odd": None,
        "b" * 255: "long id",
    }


def test_field_values_of_anything_but_a_dict_are_empty():
    assert field_values(None) == {} and field_values([1]) == {}


def test_a_long_modal_field_is_capped_at_3000_characters():
    values = {"d": {"e": {"type": "plain_text_input", "value": "z" * 3500}}}
    assert field_values(values) == {"d": "z" * 3000}


def test_a_file_key_is_capped_at_64_characters():
    values = {"f": {"e": {"type": "file_input", "files": [{"k" * 70: "v"}]}}}
    assert field_values(values) == {"f": [{"k" * 64: "v"}]}


@pytest.mark.parametrize("metadata,parsed", [('{"incident": 3}', {"incident": 3}), ("[1, 2]", {}), ("not json", {}),
                                             ("", {})])
def test_private_metadata_is_a_json_object_or_empty(metadata, parsed):
    assert Interaction(kind="modal", actor=Actor("U1"), private_metadata=metadata).metadata() == parsed


# --- buttons ---------------------------------------------------------------------------------------------
def test_a_button_press_reads_every_field():
    body = {"user": {"id": "U3", "username": "cy"}, "channel": {"id": "C1"}, "trigger_id": "tr.3",
            "container": {"type": "message", "message_ts": "171.1"}, "response_url": "https://hooks/1",
            "actions": [{"action_id": "incident_ack", "value": "7"}, {"action_id": "second"}]}
    assert Interaction.from_action(body) == Interaction(
        kind="action", actor=Actor("U3", "cy"), name="incident_ack", value="7", channel_id="C1",
        message_ts="171.1", surface="message", trigger_id="tr.3", response_url="https://hooks/1")


def test_a_select_in_a_modal_gives_its_selected_value_and_the_view():
    body = {"user": {"id": "U3"}, "container": {"type": "view"},
            "view": {"id": "V2", "hash": "h2", "type": "modal", "private_metadata": "{}"},
            "actions": [{"action_id": "pick", "selected_option": {"value": "SEV1"}}]}
    assert Interaction.from_action(body) == Interaction(
        kind="action", actor=Actor("U3", None), name="pick", value="SEV1", view_id="V2", view_hash="h2",
        private_metadata="{}", surface="modal")


def test_a_button_without_a_value_has_none_and_a_long_value_is_capped():
    assert Interaction.from_action({"actions": [{"action_id": "a"}]}).value is None
    assert Interaction.from_action({"actions": [{"value": "v" * 2100}]}).value == "v" * 2000


@pytest.mark.parametrize("actions", [None, [], "junk", ["junk"]])
def test_a_press_without_usable_actions_parses(actions):
    ix = Interaction.from_action({"actions": actions})
    assert ix == Interaction(kind="action", actor=Actor("unknown", None))


def test_an_action_name_is_capped_at_255_and_metadata_at_3000_and_urls_at_500():
    ix = Interaction.from_action({"actions": [{"action_id": "a" * 300}], "view": {"private_metadata": "m" * 3100},
                                  "response_url": "u" * 600})
    assert ix.name == "a" * 255 and ix.private_metadata == "m" * 3000 and ix.response_url == "u" * 500


# --- shortcuts ---------------------------------------------------------------------------------------------
def test_a_message_shortcut_reads_the_message():
    body = {"user": {"id": "U4", "username": "di"}, "channel": {"id": "C2"}, "callback_id": "capture_qa",
            "trigger_id": "tr.4", "response_url": "https://hooks/2",
            "message": {"ts": "172.2", "text": "How do refunds work?\x00", "user": "U9"}}
    assert Interaction.from_shortcut(body) == Interaction(
        kind="shortcut", actor=Actor("U4", "di"), name="capture_qa", channel_id="C2", message_ts="172.2",
        message_text="How do refunds work?", message_user="U9", trigger_id="tr.4", response_url="https://hooks/2")


def test_a_shortcut_message_ts_may_come_from_the_body():
    assert Interaction.from_shortcut({"message_ts": "173.3"}).message_ts == "173.3"


def test_an_empty_shortcut_parses():
    assert Interaction.from_shortcut({}) == Interaction(kind="shortcut", actor=Actor("unknown", None))


def test_shortcut_names_text_and_urls_are_capped():
    ix = Interaction.from_shortcut({"callback_id": "c" * 300, "message": {"text": "t" * 3100},
                                    "response_url": "u" * 600})
    assert ix.name == "c" * 255 and ix.message_text == "t" * 3000 and ix.response_url == "u" * 500


# --- never raising --------------------------------------------------------------------------------------------
junk = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=20),
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
                    max_leaves=12)
fields = st.sampled_from(["user", "user_id", "view", "actions", "channel", "container", "message", "text", "team",
                          "callback_id", "response_url", "trigger_id", "state", "values"])


@given(st.dictionaries(fields, junk, max_size=6))
def test_parsing_never_raises_whatever_the_payload(body):
    for parse in (Interaction.from_slash, Interaction.from_view, Interaction.from_action, Interaction.from_shortcut):
        ix = parse(body)
        assert ix.user_id and len(ix.user_id) <= MAX_ID
