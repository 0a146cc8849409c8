"""The "Waiting to send" list: every queued action, and refused ones with the academy's reason,
to edit and send again or to discard. UI thread; reads and changes go through the task runner.

Each action is described in words from what it is about ("Your reply in ‘Looking for a study
group’"; desktop/ui/action_text.py), never by its mutation name or an id. Signal `changed()`:
the learner resent or discarded something (sync soon, recount the indicator)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop.domain.sync import OutboxItem, OutboxState
from desktop.language import formats
from desktop.language.catalogue import N_, _, counted
from desktop.services.describer import ActionDescription, ActionKind
from desktop.services.queue import DescribedQueue, QueueService
from desktop.store.outbox import WAITING_FOR_UPLOAD
from desktop.ui import formatting
from desktop.ui.action_text import action_sentence, refusal_reason
from desktop.ui.edit_action_dialog import EditActionDialog
from desktop.ui.table_model import Index, ListTableModel
from desktop.ui.tasks import TaskRunner

# Waiting actions listed at most (the first half to be sent and the newest half): a backlog of
# thousands (days of offline study) is one line of text to the learner, and listing it all
# would cost tens of MB. Refused ones are always listed.
WAITING_LISTED = 500

STATE_LABELS = {  # translated where shown
    OutboxState.PENDING: N_("Waiting"),
    OutboxState.SENDING: N_("Sending…"),
    OutboxState.RETRY: N_("Will retry"),
    OutboxState.REJECTED: N_("Refused"),
    OutboxState.ACKED: N_("Sent"),
}


_OTHER = ActionDescription(ActionKind.OTHER)


class OutboxModel(ListTableModel[OutboxItem]):
    HEADERS = (N_("Created"), N_("Action"), N_("Status"), N_("Reason"))

    def __init__(self) -> None:
        super().__init__()
        self._sentences: dict[int, str] = {}

    @property
    def items(self) -> list[OutboxItem]:
        return self.rows

    def set_items(
        self, items: list[OutboxItem], descriptions: dict[int, ActionDescription] | None = None
    ) -> None:
        descriptions = descriptions or {}
        self._sentences = {i.id: action_sentence(descriptions.get(i.id, _OTHER)) for i in items}
        self.set_rows(items)

    def sentence(self, item: OutboxItem) -> str:
        return self._sentences.get(item.id) or action_sentence(_OTHER)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        item = self.rows[index.row()]
        refused = item.state is OutboxState.REJECTED
        if role == Qt.ItemDataRole.FontRole and refused:
            font = QFont()
            font.setBold(True)  # refused ones need the learner; the palette's colours stay
            return font
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        return (
            formatting.local_time(item.created_at),
            self.sentence(item),
            _(STATE_LABELS[item.state]),
            refusal_reason(item) if refused else _waiting_note(item),
        )[index.column()]


def _waiting_note(item: OutboxItem) -> str:
    """Why a waiting item has not left yet, when there is a reason beyond "not synced yet"
    (it waits for its recording, or the academy asked to try again later)."""
    if item.state is OutboxState.RETRY:
        return _("The academy asked Samen to try again a little later.")
    if item.message == WAITING_FOR_UPLOAD:  # kept in the store in English: said here
        return _("Waits for its recording to finish uploading.")
    return item.message or ""


class OutboxPage(QWidget):
    changed = Signal()  # the learner resent or discarded something: sync soon

    def __init__(self, queue: QueueService, runner: TaskRunner) -> None:
        super().__init__()
        self._queue = queue
        self._runner = runner
        self.model = OutboxModel()
        self.summary = QLabel(_("Nothing is waiting to be sent."))
        self.summary.setWordWrap(True)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.table.selectionModel().selectionChanged.connect(self._update_buttons)

        self.resend_button = QPushButton(_("&Edit and resend…"))
        self.discard_button = QPushButton(_("D&iscard"))
        self.resend_button.clicked.connect(self.edit_and_resend)
        self.discard_button.clicked.connect(self.discard)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.resend_button)
        buttons.addWidget(self.discard_button)

        layout = QVBoxLayout(self)
        # Hidden where a page around it names the section already (Sync & storage).
        self.heading = QLabel("<h2>{}</h2>".format(_("Waiting to send")))
        layout.addWidget(self.heading)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        self._update_buttons()

    def reload(self) -> None:
        self._runner.submit(lambda: self._queue.described_view(WAITING_LISTED), self._show)

    def _show(self, described: object) -> None:
        assert isinstance(described, DescribedQueue)
        view = described.view
        self.model.set_items(view.items, described.descriptions)
        refused, waiting = view.refused, view.waiting
        parts = []
        if waiting and view.waiting_listed < waiting:
            parts.append(
                counted(
                    "{n} action will be sent when the academy can be reached ({listed} are "
                    "listed: the first to be sent and the newest).",
                    "{n} actions will be sent when the academy can be reached ({listed} are "
                    "listed: the first to be sent and the newest).",
                    waiting,
                    listed=formats.number(view.waiting_listed),
                )
            )
        elif waiting:
            parts.append(
                counted(
                    "{n} action will be sent when the academy can be reached.",
                    "{n} actions will be sent when the academy can be reached.",
                    waiting,
                )
            )
        if refused:
            parts.append(
                counted(
                    "{n} was refused by the academy: edit and send it again, or discard.",
                    "{n} were refused by the academy: edit and send them again, or discard.",
                    refused,
                )
            )
        self.summary.setText(" ".join(parts) or _("Nothing is waiting to be sent."))
        self._update_buttons()

    def selected(self) -> OutboxItem | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.items[rows[0].row()] if rows else None

    def _update_buttons(self) -> None:
        item = self.selected()
        refused = item is not None and item.state is OutboxState.REJECTED
        self.resend_button.setEnabled(refused)
        self.discard_button.setEnabled(
            refused or (item is not None and item.state is OutboxState.PENDING and item.seq is None)
        )

    def discard(self) -> None:
        item = self.selected()
        if item is None:
            return
        answer = QMessageBox.question(
            self,
            _("Discard"),
            _("Discard “{action}”? It will not be sent.").format(action=self.model.sentence(item)),
        )
        if answer == QMessageBox.StandardButton.Yes:
            self._change(lambda: self._queue.discard(item.id))

    def edit_and_resend(self) -> None:
        item = self.selected()
        if item is None:
            return
        # The poll's options are read on a worker first (a vote is changed by choosing again).
        queue = self._queue
        self._runner.submit(lambda: queue.choices(item), lambda found: self._edit(item, found))

    def _edit(self, item: OutboxItem, choices: object) -> None:
        assert isinstance(choices, list)
        if self.selected() != item:
            return  # the list changed meanwhile
        dialog = EditActionDialog(item, self.model.sentence(item), parent=self, choices=choices)
        if dialog.exec() == EditActionDialog.DialogCode.Accepted:
            args = dialog.args()
            self._change(lambda: self._queue.resend(item.id, args))
        dialog.deleteLater()

    def _change(self, work: Any) -> None:
        self._runner.submit(work, lambda _: self._changed(), self._failed)

    def _changed(self) -> None:
        self.reload()
        self.changed.emit()

    def _failed(self, exc: BaseException) -> None:
        QMessageBox.warning(self, _("Not changed"), str(exc))
        self.reload()
