"""The sign-in forms of the session login and the admin, saying so when the sign-in lock refused them.

The lock itself is ``threatmodel.signin``'s; these forms only choose the words: the same for an
account that exists and one that does not.
"""

from __future__ import annotations

from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError

from threatmodel.signin import locked_message, retry_after


class SignInForm(AuthenticationForm):
    def get_invalid_login_error(self) -> ValidationError:
        if retry_after(self.request):
            return ValidationError(locked_message(), code="locked")
        return super().get_invalid_login_error()


class AdminSignInForm(AdminAuthenticationForm):
    def get_invalid_login_error(self) -> ValidationError:
        if retry_after(self.request):
            return ValidationError(locked_message(), code="locked")
        return super().get_invalid_login_error()
