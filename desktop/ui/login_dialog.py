"""Log-in dialog: academy address, user name, password. UI thread; the login itself runs on the
worker pool and errors are shown inside the dialog."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from desktop.domain.account import Account
from desktop.domain.errors import SamenError
from desktop.language.catalogue import _
from desktop.services.session import SessionService
from desktop.ui import theme
from desktop.ui.tasks import TaskRunner


class LoginDialog(QDialog):
    def __init__(
        self,
        session: SessionService,
        runner: TaskRunner,
        server_url: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Log in to your academy"))
        self._session = session
        self._runner = runner
        self.account: Account | None = None

        self.server = QLineEdit(server_url)
        self.server.setPlaceholderText("https://academy.example.org")
        self.username = QLineEdit()
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.error = QLabel()
        self.error.setObjectName("loginError")
        self.error.setWordWrap(True)
        theme.tint(self.error, "error")
        self.error.hide()
        self.busy = QLabel(_("Logging in…"))
        self.busy.hide()

        form = QFormLayout()
        form.addRow(_("&Academy address"), self.server)
        form.addRow(_("&User name"), self.username)
        form.addRow(_("&Password"), self.password)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(_("Log in"))
        # Said by Samen's catalogue, not left to Qt's own (which may be missing).
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(_("Cancel"))
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.busy)
        layout.addWidget(self.buttons)
        (self.username if server_url else self.server).setFocus()

    def submit(self) -> None:
        server, user, password = self.server.text(), self.username.text(), self.password.text()
        self._set_busy(True)
        self.error.hide()
        self._runner.submit(
            lambda: self._session.login(server, user, password), self._done, self._failed
        )

    def _set_busy(self, busy: bool) -> None:
        self.busy.setVisible(busy)
        self.buttons.setEnabled(not busy)
        for field in (self.server, self.username, self.password):
            field.setEnabled(not busy)

    def _done(self, account: object) -> None:
        assert isinstance(account, Account)
        self.account = account
        self._set_busy(False)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self._set_busy(False)
        if isinstance(exc, SamenError | ValueError):
            self.error.setText(str(exc))
        else:
            self.error.setText(_("Logging in failed unexpectedly: {reason}").format(reason=exc))
        self.error.show()
        self.password.selectAll()
        self.password.setFocus()
