"""A one-line note under something the learner made (an answer, a vote, a post) saying where it
is on its way to the academy: "Waiting to send", then "Sent" once the academy has accepted it,
or "Not sent: <reason>". UI thread.

Feed it from QueueService.delivery(target, ids) (read on a worker), after the card is built and
again after every sync; the sentences live here, in one place.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget

from desktop.language.catalogue import N_, _
from desktop.services.queue import Delivery
from desktop.ui.action_text import refusal_reason

TEXT = {  # translated where shown
    Delivery.WAITING: N_("Waiting to send"),
    Delivery.SENT: N_("Sent"),
    Delivery.REFUSED: N_("Not sent: {reason}"),
}
WAITING_HINT = N_("Saved on this computer; it goes to the academy at the next sync.")


class DeliveryNote(QLabel):
    """Hidden until `show_delivery`; `lead` (e.g. "Your vote: Tuesday") comes before the state."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("deliveryNote")
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setWordWrap(True)
        self.delivery: Delivery | None = None
        self.hide()

    def show_delivery(self, delivery: Delivery | None, *, lead: str = "", reason: str = "") -> None:
        self.delivery = delivery
        if delivery is None:
            self.clear()
            self.setToolTip("")
            self.hide()
            return
        state = _(TEXT[delivery]).format(reason=refusal_reason(reason))
        self.setText(f"{lead} · {state}" if lead else state)
        self.setToolTip(_(WAITING_HINT) if delivery is Delivery.WAITING else "")
        self.show()
