"""Staff and customer tokens (kefu.tokens): one key per kind, pinned algorithms, required claims."""

from __future__ import annotations

import time

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from kefu import keys
from kefu.settings import SettingsError, load_settings
from kefu.tokens import CannotSign, CustomerTokens, Principal, StaffTokens, customer_tokens, staff_tokens

MASTER = "m" * 40


def pem(private, *, public: bool = True) -> str:
    if public:
        return private.public_key().public_bytes(serialization.Encoding.PEM,
                                                 serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    return private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                 serialization.NoEncryption()).decode()


def claims(**overrides) -> dict:
    now = int(time.time())
    values = {"sub": "C1001", "aud": "customer", "iat": now, "exp": now + 600}
    values.update(overrides)
    return {k: v for k, v in values.items() if v is not None}


@pytest.fixture()
def env(monkeypatch, tmp_path):
    monkeypatch.setenv("KEFU_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("KEFU_SECRET_KEY", MASTER)
    for name in ("KEFU_CUSTOMER_TOKEN_PUBLIC_KEY", "KEFU_CUSTOMER_TOKEN_SECRET"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


# -- staff tokens ------------------------------------------------------------------------------
def test_staff_tokens_are_signed_with_the_staff_sub_key_only(env):
    settings = load_settings()
    token = staff_tokens(settings).issue(Principal("agent", "agent"))
    assert staff_tokens(settings).read(token) == Principal("agent", "agent")
    assert StaffTokens(settings.key(keys.STAFF_TOKENS)).read(token) == Principal("agent", "agent")
    # the master key itself, or any other sub-key, signs nothing the staff check accepts
    for key in (MASTER.encode(), settings.key(keys.CUSTOMER_TOKENS),
                keys.derive_text(MASTER, keys.CUSTOMER_TOKENS).encode()):
        forged = jwt.encode(claims(sub="admin", aud="staff", role="admin"), key, algorithm="HS256")
        assert staff_tokens(settings).read(forged) is None


def test_a_staff_token_knows_when_it_expires():
    tokens = StaffTokens(b"s" * 32)
    before = time.time()
    principal = tokens.read(tokens.issue(Principal("agent", "agent"), lifetime=120))
    assert before + 119 <= principal.expires_at <= time.time() + 121
    assert tokens.read(tokens.issue(Principal("agent", "agent"), lifetime=-30)) is None
    # expiry is exact (the clock leeway is for a replica whose clock is ahead: iat in the future)
    assert tokens.read(tokens.issue(Principal("agent", "agent"), lifetime=-1)) is None
    now = int(time.time())
    ahead = jwt.encode({"sub": "agent", "role": "agent", "aud": "staff", "iat": now + 3, "exp": now + 60},
                       b"s" * 32, algorithm="HS256")
    assert tokens.read(ahead) == Principal("agent", "agent")


@pytest.mark.parametrize("missing", ["exp", "iat", "sub", "aud"])
def test_a_staff_token_without_a_required_claim_is_refused(missing):
    key = b"s" * 32
    token = jwt.encode(claims(**{"sub": "agent", "aud": "staff", "role": "agent", missing: None}), key,
                       algorithm="HS256")
    assert StaffTokens(key).read(token) is None
    assert StaffTokens(key).read(jwt.encode(claims(sub="agent", aud="staff", role="agent"), key, "HS256"))


def test_a_staff_token_with_an_unknown_role_or_another_algorithm_is_refused():
    key = b"s" * 32
    assert StaffTokens(key).read(jwt.encode(claims(sub="x", aud="staff", role="root"), key, "HS256")) is None
    assert StaffTokens(key).read(jwt.encode(claims(sub="x", aud="staff", role="admin"), key, "HS512")) is None
    unsigned = jwt.encode(claims(sub="x", aud="staff", role="admin"), None, algorithm="none")
    assert StaffTokens(key).read(unsigned) is None


# -- customer tokens: which key ------------------------------------------------------------------
def test_without_a_shop_key_customer_tokens_use_the_customer_sub_key(env):
    tokens = customer_tokens(load_settings())
    assert tokens.algorithm == "HS256"
    text_key = keys.derive_text(MASTER, keys.CUSTOMER_TOKENS)  # what `python -m bot customer-key` prints
    assert tokens.read(jwt.encode(claims(), text_key, algorithm="HS256")) == "C1001"
    assert tokens.read(tokens.issue("C1002")) == "C1002"
    assert tokens.read(jwt.encode(claims(), MASTER, algorithm="HS256")) is None  # not the master key


def test_a_shared_secret_replaces_the_sub_key(env):
    secret = "shop-secret-" + "s" * 30
    env.setenv("KEFU_CUSTOMER_TOKEN_SECRET", secret)
    tokens = customer_tokens(load_settings())
    assert tokens.read(jwt.encode(claims(), secret, algorithm="HS256")) == "C1001"
    assert tokens.read(jwt.encode(claims(), keys.derive_text(MASTER, keys.CUSTOMER_TOKENS), "HS256")) is None


@pytest.mark.parametrize("make, algorithm", [
    (lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048), "RS256"),
    (ed25519.Ed25519PrivateKey.generate, "EdDSA"),
])
def test_a_shop_public_key_verifies_tokens_signed_with_its_private_key(env, tmp_path, make, algorithm):
    private = make()
    env.setenv("KEFU_CUSTOMER_TOKEN_PUBLIC_KEY", pem(private))
    tokens = customer_tokens(load_settings())
    assert tokens.algorithm == algorithm
    assert tokens.read(jwt.encode(claims(), private, algorithm=algorithm)) == "C1001"
    # Kefu holds no secret that passes: not the master key, not the sub-key, not the public key as an
    # HMAC secret (algorithm confusion), not another key pair
    public_text = pem(private)
    for forged in (jwt.encode(claims(), MASTER, "HS256"),
                   jwt.encode(claims(), keys.derive_text(MASTER, keys.CUSTOMER_TOKENS), "HS256"),
                   jwt.encode(claims(), make(), algorithm=algorithm)):
        assert tokens.read(forged) is None
    with pytest.raises(CannotSign):
        tokens.issue("C1001")
    # the setting may name a PEM file instead
    path = tmp_path / "shop.pub.pem"
    path.write_text(public_text)
    env.setenv("KEFU_CUSTOMER_TOKEN_PUBLIC_KEY", str(path))
    assert customer_tokens(load_settings()).read(jwt.encode(claims(), private, algorithm=algorithm)) == "C1001"


def test_the_public_key_wins_over_the_shared_secret(env):
    private = ed25519.Ed25519PrivateKey.generate()
    secret = "shop-secret-" + "s" * 30
    env.setenv("KEFU_CUSTOMER_TOKEN_PUBLIC_KEY", pem(private))
    env.setenv("KEFU_CUSTOMER_TOKEN_SECRET", secret)
    tokens = customer_tokens(load_settings())
    assert tokens.read(jwt.encode(claims(), secret, "HS256")) is None
    assert tokens.read(jwt.encode(claims(), private, "EdDSA")) == "C1001"


@pytest.mark.parametrize("value, words", [
    ("-----BEGIN PUBLIC KEY-----\nnot base64\n-----END PUBLIC KEY-----\n", "not a PEM public key"),
    ("/nonexistent/shop.pem", "neither PEM text nor a readable file"),
])
def test_an_unusable_public_key_is_a_settings_error_naming_the_variable(env, value, words):
    env.setenv("KEFU_CUSTOMER_TOKEN_PUBLIC_KEY", value)
    with pytest.raises(SettingsError, match="KEFU_CUSTOMER_TOKEN_PUBLIC_KEY") as error:
        customer_tokens(load_settings())
    assert words in str(error.value)


def test_a_private_key_or_an_unsupported_key_type_is_refused(env):
    env.setenv("KEFU_CUSTOMER_TOKEN_PUBLIC_KEY", pem(ed25519.Ed25519PrivateKey.generate(), public=False))
    with pytest.raises(SettingsError, match="private key"):
        customer_tokens(load_settings())
    env.setenv("KEFU_CUSTOMER_TOKEN_PUBLIC_KEY", pem(ec.generate_private_key(ec.SECP256R1())))
    with pytest.raises(SettingsError, match="RSA or Ed25519"):
        customer_tokens(load_settings())
    env.setenv("KEFU_CUSTOMER_TOKEN_PUBLIC_KEY", pem(rsa.generate_private_key(public_exponent=65537, key_size=1024)))
    with pytest.raises(SettingsError, match="2048"):
        customer_tokens(load_settings())


# -- customer tokens: claims -------------------------------------------------------------------
@pytest.mark.parametrize("missing", ["exp", "iat", "sub", "aud"])
def test_a_customer_token_without_a_required_claim_is_anonymous(missing):
    secret = "c" * 40
    tokens = CustomerTokens(secret=secret)
    assert tokens.read(jwt.encode(claims(**{missing: None}), secret, "HS256")) is None
    assert tokens.read(jwt.encode(claims(), secret, "HS256")) == "C1001"


def test_staff_and_customer_tokens_never_pass_for_each_other_even_under_one_key():
    key = "same-key-" + "k" * 40
    staff, customer = StaffTokens(key.encode()), CustomerTokens(secret=key)
    assert customer.read(staff.issue(Principal("admin", "admin"))) is None
    assert staff.read(customer.issue("C1001")) is None


def test_bad_customer_tokens_are_anonymous():
    secret = "c" * 40
    tokens = CustomerTokens(secret=secret)
    token = tokens.issue("C1001")
    header, payload, signature = token.split(".")
    assert tokens.read(f"{header}.{payload}.{signature[::-1]}") is None
    assert tokens.read(tokens.issue("C1001", lifetime=-120)) is None  # past the clock leeway
    assert tokens.read(jwt.encode(claims(sub=""), secret, "HS256")) is None
    assert tokens.read(jwt.encode(claims(sub=1001), secret, "HS256")) is None
    assert tokens.read("x" * 10_000) is None and tokens.read(None) is None and tokens.read(123) is None
