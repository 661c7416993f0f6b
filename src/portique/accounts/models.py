"""People (the HR record) and their accounts (the IT identity, when the SQL store keeps it)."""

from django.db import models


class Category(models.TextChoices):
    STUDENT = "student", "étudiant"
    STAFF = "staff", "personnel"
    VACATAIRE = "vacataire", "personnel vacataire"


class Person(models.Model):
    """Someone HR or the registrar declared: the input of the activation, never changed by it."""

    hr_id = models.CharField(max_length=64, unique=True, null=True, blank=True)
    login = models.CharField(max_length=150, unique=True)
    first_name = models.CharField(max_length=150)
    last_name = models.CharField(max_length=150)
    category = models.CharField(max_length=16, choices=Category.choices)
    birth_date = models.DateField(null=True, blank=True)
    department = models.CharField(max_length=150, blank=True)
    contract_end = models.DateField(null=True, blank=True)
    # When the provisional password of the last letter stops working (None: no limit, as for
    # people created before letters had one). Step 2 refuses it afterwards.
    provisional_password_expires_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["last_name", "first_name"]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name} ({self.login})"


class Account(models.Model):
    """The IT account as the SQL account store keeps it (the LDAP store keeps it in the
    directory instead). Passwords are hashes: argon2 for the password, a keyed HMAC for the
    machine-generated provisional password."""

    person = models.OneToOneField(Person, on_delete=models.CASCADE, related_name="account")
    login = models.CharField(max_length=150, unique=True)
    email = models.EmailField(unique=True, help_text="University address.")
    provisional_password_hash = models.CharField(max_length=128, blank=True)
    password = models.CharField(max_length=256, blank=True)
    recovery_email = models.EmailField(blank=True)
    recovery_email_verified_at = models.DateTimeField(null=True, blank=True)
    forwarding_address = models.EmailField(blank=True)
    forwarding_verified_at = models.DateTimeField(null=True, blank=True)
    keep_copy = models.BooleanField(default=True)
    directory_consent = models.BooleanField(default=False)
    charter_version = models.CharField(max_length=64, blank=True)
    charter_accepted_at = models.DateTimeField(null=True, blank=True)
    activated_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.login
