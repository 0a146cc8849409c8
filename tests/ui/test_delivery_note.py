"""The delivery note under an answer, a vote or a post: waiting, sent, or why not."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from desktop.services.queue import Delivery
from desktop.ui.widgets.delivery_note import DeliveryNote


def test_the_note_says_waiting_sent_or_why_not(qtbot: QtBot) -> None:
    note = DeliveryNote()
    qtbot.addWidget(note)
    assert note.isHidden()
    note.show_delivery(Delivery.WAITING, lead="Your vote: Tuesday")
    assert note.text() == "Your vote: Tuesday · Waiting to send"
    assert "next sync" in note.toolTip()
    note.show_delivery(Delivery.SENT)
    assert note.text() == "Sent" and note.toolTip() == ""
    note.show_delivery(Delivery.REFUSED, reason="This poll is closed")
    assert note.text() == "Not sent: This poll is closed."
    note.show_delivery(None)
    assert note.isHidden()
