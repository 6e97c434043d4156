import pytest

from fixloop.models.base import Message, ModelError
from fixloop.models.scripted import ScriptedModel

HELLO = [Message(role="user", content="12345678")]


def test_responses_come_back_in_order_and_calls_are_recorded():
    model = ScriptedModel(["one", "two"])
    assert [model.complete(HELLO).text, model.complete(HELLO).text] == ["one", "two"]
    assert model.calls == [HELLO, HELLO]


def test_an_exhausted_script_raises_a_model_error_saying_so():
    model = ScriptedModel(["only"])
    model.complete(HELLO)
    with pytest.raises(ModelError, match="no scripted response left"):
        model.complete(HELLO)


def test_a_function_script_answers_from_the_messages():
    model = ScriptedModel(lambda messages: messages[-1].content.upper(), name="scripted:echo")
    completion = model.complete([Message(role="user", content="hi")])
    assert (completion.text, completion.model) == ("HI", "scripted:echo")


def test_usage_is_a_quarter_of_the_characters_rounded_up():
    usage = ScriptedModel(["abcde"]).complete(HELLO).usage
    assert (usage.prompt_tokens, usage.completion_tokens) == (2, 2)


def test_the_reply_is_parsed_when_a_schema_is_asked_for():
    completion = ScriptedModel(['ok: {"a": 1}']).complete(HELLO, schema={"type": "object"})
    assert completion.parsed == {"a": 1}


async def _acomplete(model: ScriptedModel) -> str:
    return (await model.acomplete(HELLO)).text


def test_acomplete_answers_like_complete():
    import asyncio

    assert asyncio.run(_acomplete(ScriptedModel(["async"]))) == "async"
