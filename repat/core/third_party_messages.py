"""Strings of Django's admin and auth, and of django-axes, that those projects do not translate into
Kyrgyz (or Russian). Listed here only so that `makemessages` puts them in Repat's catalogues, which
Django reads before its own: the admin then speaks the administrator's language. Nothing imports this
module; the msgids must stay exactly as the projects write them (django 5.2, django-axes 8)."""

from django.utils.translation import gettext_noop as _

MESSAGES = (
    # django.contrib.admin
    _("Skip to main content"),
    _("Breadcrumbs"),
    _("Sidebar"),
    _("Show counts"),
    _("Model name"),
    _("Add link"),
    _("Change or view list link"),
    _("Toggle theme (current theme: auto)"),
    _("Toggle theme (current theme: light)"),
    _("Toggle theme (current theme: dark)"),
    _("Select all objects on this page for an action"),
    _("Select this object for an action - {}"),
    _("After you’ve created a user, you’ll be able to edit more user options."),
    # django.contrib.auth
    _("Reset password"),
    _("Password-based authentication"),
    _("Enabled"),
    _("Disabled"),
    _(
        "Whether the user will be able to authenticate using a password or not. If disabled, they may still be "
        "able to authenticate using other backends, such as Single Sign-On or LDAP."
    ),
    _("Raw passwords are not stored, so there is no way to see the user’s password."),
    # django-axes (sign-in lockouts)
    _("access attempt"),
    _("access attempts"),
    _("access failure"),
    _("access failures"),
    _("access log"),
    _("access logs"),
    _("access attempt expiration"),
    _("access attempt expirations"),
)
