"""The video assistant passes the assistant contract (causerie.testing)."""

from __future__ import annotations

from causerie.testing.assistant_contract import AssistantContract


class TestVideoAssistant(AssistantContract):
    register = "causerie.assistants.video.register"
