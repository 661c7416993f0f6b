"""What the LDAP store does differently in front of Active Directory
(PORTIQUE_LDAP_ACTIVE_DIRECTORY=true): the attribute preset a university's AD holds without
any schema extension, the account flags, and the domain password policy's refusal put in
words a person can act on.

AD has no RFC 3062 Password Modify: a password is set by replacing `unicodePwd` with the
quoted password in UTF-16-LE (ldap3's Microsoft extension), over LDAPS only, which the
service account may do with the "Reset password" right. The domain's policy (length,
complexity, history) then applies, and AD answers constraintViolation without saying which
rule failed (Windows gives only "0000052D"), so the refusal lists the domain's rules, read
from the domain object.
"""

from typing import Any

from django.utils.translation import gettext as _
from ldap3 import BASE, Connection
from ldap3.core import exceptions as ldap_errors
from ldap3.utils.dn import parse_dn

from portique.accounts.stores.base import PasswordRefused

# Every attribute exists in AD's own schema (Windows Server 2012 and later, Samba 4):
# msDS-cloudExtensionAttribute1 to 20 are single-valued strings on every user, meant for
# an organisation's own data; a university that uses some already maps others.
AD_ATTRIBUTES = {
    "login": "sAMAccountName",
    "email": "mail",
    "first_name": "givenName",
    "last_name": "sn",
    "category": "employeeType",
    "recovery_email": "otherMailbox",
    "forwarding_address": "msDS-cloudExtensionAttribute1",
    "keep_copy": "msDS-cloudExtensionAttribute2",
    "unlisted": "msDS-cloudExtensionAttribute3",
    "charter_version": "msDS-cloudExtensionAttribute4",
    "charter_accepted_at": "msDS-cloudExtensionAttribute5",
    "activated_at": "msDS-cloudExtensionAttribute6",
    # The keep-copy choice is kept as TRUE/FALSE (keep_copy): AD has no mail delivery
    # option. No SupAnn account state; AD dates password changes itself (pwdLastSet).
    "delivery_option": "",
    "account_state": "",
    "account_state_date": "",
    "password_changed": "",
}
AD_OBJECT_CLASSES = ["top", "person", "organizationalPerson", "user"]
# userAccountControl: a normal account, enabled. AD creates a user disabled until it has
# a password.
NORMAL_ACCOUNT = 0x200

# What the domain object says of its password policy (pwdProperties bit 1: complexity).
_POLICY = ("minPwdLength", "pwdProperties", "pwdHistoryLength")
_COMPLEXITY = 0x1


def domain_dn(dn: str) -> str:
    """Return the domain's naming context of an entry: its DC= components (AD's domain
    object, which holds the password policy)."""
    return ",".join(f"{kind}={value}" for kind, value, _sep in parse_dn(dn) if kind.lower() == "dc")


def _number(values: dict[str, list[Any]], name: str) -> int:
    found = values.get(name) or [0]
    try:
        return int(str(found[0]))
    except ValueError:
        return 0


def policy_refusal(connection: Connection, dn: str) -> PasswordRefused:
    """Return the refusal of a password by the domain of `dn`, listing its rules."""
    values: dict[str, list[Any]] = {}
    try:
        connection.search(domain_dn(dn), "(objectClass=*)", search_scope=BASE, attributes=_POLICY)
        if connection.entries:
            values = connection.entries[0].entry_attributes_as_dict
    except ldap_errors.LDAPException:
        # The refusal stands without its details: the rules are in the README.
        values = {}
    rules = []
    length = _number(values, "minPwdLength")
    if length:
        rules.append(_("au moins %(length)d caractères") % {"length": length})
    if _number(values, "pwdProperties") & _COMPLEXITY:
        rules.append(
            _(
                "au moins trois sortes de caractères parmi majuscules, minuscules, chiffres "
                "et caractères spéciaux, sans votre identifiant ni votre nom"
            )
        )
    history = _number(values, "pwdHistoryLength")
    if history:
        rules.append(_("différent de vos %(count)d derniers mots de passe") % {"count": history})
    message = _("Le domaine Windows de l'université refuse ce mot de passe.")
    if rules:
        message += " " + _("Il demande : %(rules)s.") % {"rules": " ; ".join(rules)}
    return PasswordRefused(message)


def set_password(connection: Connection, dn: str, password: str) -> None:
    """Set `password` on `dn` by replacing unicodePwd; raises PasswordRefused when the
    domain's policy refuses it (nothing is then changed)."""
    try:
        done = connection.extend.microsoft.modify_password(dn, password)
    except ldap_errors.LDAPConstraintViolationResult as error:
        # unwillingToPerform, by contrast, is a connection that is not encrypted: the
        # configuration's fault, not the password's.
        raise policy_refusal(connection, dn) from error
    if not done:
        # A connection that does not raise (raise_exceptions=False) answers False.
        if connection.result.get("result") == 19:
            raise policy_refusal(connection, dn)
        raise ldap_errors.LDAPOperationResult(
            result=connection.result.get("result"),
            description=connection.result.get("description"),
            message=connection.result.get("message"),
        )
