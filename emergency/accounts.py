"""Account use cases (账号): create users, check a login, issue and resolve API tokens and
login sessions, and end them: logout ends one session; a password change, disabling the account
(:func:`disable`) or :func:`revoke_tokens` end the others.

No Flask here: the web layer and the CLI call these with a SQLAlchemy session (one unit of work)
and the current time. Passwords are hashed with ``werkzeug.security`` (scrypt by default); API
tokens are random 256-bit strings of which only the SHA-256 is stored.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from emergency.auth_rules import DEFAULT_HASH_METHOD, ROLES, password_problems
from emergency.refresh.prefectures import PREFECTURES, find
from emergency.store.auth_models import ApiToken, User, UserSession

TOKEN_LAST_USED_RESOLUTION = timedelta(minutes=1)  # do not write on every API call


class AccountError(ValueError):
    """A request about accounts that cannot be carried out, in both languages."""

    def __init__(self, code: str, message_zh: str, message_en: str) -> None:
        super().__init__(message_en)
        self.code, self.message_zh, self.message_en = code, message_zh, message_en


@dataclass(frozen=True)
class LoginResult:
    """The outcome of a login attempt: a user, or the reason (an i18n key) and its values."""

    user: User | None
    reason: str | None = None          # wrong_credentials | account_inactive


def aware(value: datetime | None) -> datetime | None:
    """SQLite returns naive datetimes for timezone-aware columns: they are UTC."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def create_user(session: Session, username: str, password: str, role: str, *,
                display_name: str = "", hash_method: str = DEFAULT_HASH_METHOD,
                check_password: bool = True, prefecture: str | None = None) -> User:
    username = username.strip()
    if not username:
        raise AccountError("invalid_username", "用户名不能为空", "the username must not be empty")
    if role not in ROLES:
        raise AccountError("unknown_role", f"未知角色 {role!r},可选:{', '.join(ROLES)}",
                           f"unknown role {role!r}; one of {', '.join(ROLES)}")
    if session.scalar(select(User.id).where(func.lower(User.username) == username.lower())):
        raise AccountError("user_exists", f"用户 {username} 已存在", f"user {username} exists")
    if check_password:
        problems = password_problems(password, username)
        if problems:
            raise AccountError("weak_password", ";".join(p[0] for p in problems),
                               "; ".join(p[1] for p in problems))
    user = User(username=username, display_name=display_name, role=role, active=True,
                password_hash=generate_password_hash(password, method=hash_method),
                failed_logins=0, prefecture_zh=prefecture_name(prefecture))
    session.add(user)
    session.flush()
    return user


def set_password(session: Session, user: User, password: str,
                 hash_method: str = DEFAULT_HASH_METHOD) -> None:
    """A new password; every session and token of the user ends (whoever held them must log
    in again with the new password)."""
    problems = password_problems(password, user.username)
    if problems:
        raise AccountError("weak_password", ";".join(p[0] for p in problems),
                           "; ".join(p[1] for p in problems))
    user.password_hash = generate_password_hash(password, method=hash_method)
    user.failed_logins, user.locked_until = 0, None
    end_everything(session, user)


def disable(session: Session, user: User) -> None:
    """Disable the account: it cannot log in, and its sessions and tokens end now."""
    user.active = False
    end_everything(session, user)


def enable(user: User) -> None:
    user.active = True


def end_everything(session: Session, user: User) -> tuple[int, int]:
    """End every session and token of ``user``: (sessions, tokens) ended."""
    return end_sessions(session, user), revoke_tokens(session, user)


def end_sessions(session: Session, user: User) -> int:
    result = session.execute(delete(UserSession).where(UserSession.user_id == user.id))
    session.expire(user, ["sessions"])
    return result.rowcount or 0


def revoke_tokens(session: Session, user: User) -> int:
    """Revoke every API token of ``user`` (its sessions go on)."""
    result = session.execute(delete(ApiToken).where(ApiToken.user_id == user.id))
    session.expire(user, ["tokens"])
    return result.rowcount or 0


def prefecture_name(text: str | None) -> str | None:
    """The canonical name of the prefecture an account answers for (长春 → 长春市); None for
    the provincial centre (empty, 吉林省 or 省级)."""
    if text is None or not text.strip() or text.strip() in ("吉林省", "省级", "province"):
        return None
    found = find(text)
    if found is None or found not in PREFECTURES:
        names = "、".join(p.name_zh for p in PREFECTURES)
        raise AccountError("unknown_prefecture",
                           f"「{text}」不是吉林省的市州(可选:{names};省级留空)",
                           f"{text!r} is not a prefecture of Jilin (one of "
                           f"{', '.join(p.name_en for p in PREFECTURES)}; empty for the province)")
    return found.name_zh


def set_prefecture(user: User, prefecture: str | None) -> None:
    user.prefecture_zh = prefecture_name(prefecture)


def find_user(session: Session, username: str) -> User | None:
    return session.scalar(select(User).where(func.lower(User.username) == username.strip().lower()))


@cache
def _dummy_hash(method: str) -> str:
    return generate_password_hash(secrets.token_hex(8), method=method)


def check_login(session: Session, username: str, password: str, now: datetime, *,
                hash_method: str = DEFAULT_HASH_METHOD) -> LoginResult:
    """Check a username and password. A failure writes nothing (throttling is the web layer's,
    per address and per name: emergency.auth_rules).

    An unknown user and a wrong password give the same answer, and an unknown user costs the
    same hash check as a known one, so neither the answer nor its timing tells which usernames
    exist.
    """
    user = find_user(session, username) if username else None
    if user is None:
        check_password_hash(_dummy_hash(hash_method), password)
        return LoginResult(None, "wrong_credentials")
    if not check_password_hash(user.password_hash, password):
        return LoginResult(None, "wrong_credentials")
    if not user.active:  # told only to whoever knows the password
        return LoginResult(None, "account_inactive")
    user.last_login_at = now
    return LoginResult(user)


# ------------------------------------------------------------------ login sessions
def start_session(session: Session, user: User, now: datetime, ttl: timedelta) -> str:
    """A new server-side session for ``user``: its id (for the cookie; only the hash is kept)."""
    sid = secrets.token_urlsafe(32)
    session.add(UserSession(sid_hash=token_digest(sid), user_id=user.id, created_at=now,
                            expires_at=now + ttl))
    session.flush()
    return sid


def user_for_session(session: Session, sid: str, now: datetime) -> User | None:
    """The active user of a current session (None: ended, expired, or the user disabled)."""
    row = session.scalar(select(UserSession).where(UserSession.sid_hash == token_digest(sid)))
    if row is None or aware(row.expires_at) <= now or not row.user.active:
        return None
    return row.user


def end_session(session: Session, sid: str) -> bool:
    result = session.execute(delete(UserSession).where(UserSession.sid_hash == token_digest(sid)))
    return bool(result.rowcount)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(session: Session, user: User, now: datetime, ttl: timedelta
                ) -> tuple[str, ApiToken]:
    """A new bearer token for ``user``: the token itself (shown once) and its stored row."""
    token = secrets.token_urlsafe(32)
    row = ApiToken(token_hash=token_digest(token), user_id=user.id, created_at=now,
                   expires_at=now + ttl)
    session.add(row)
    session.flush()
    return token, row


def user_for_token(session: Session, token: str, now: datetime) -> tuple[User, ApiToken] | None:
    """The active user a current token belongs to (None for unknown or expired tokens)."""
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == token_digest(token)))
    if row is None or aware(row.expires_at) <= now or not row.user.active:
        return None
    last = aware(row.last_used_at)
    if last is None or now - last >= TOKEN_LAST_USED_RESOLUTION:
        row.last_used_at = now
    return row.user, row


def revoke_token(session: Session, token: str) -> bool:
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == token_digest(token)))
    if row is None:
        return False
    session.delete(row)
    return True


def has_active_admin(session: Session) -> bool:
    return session.scalar(
        select(func.count()).select_from(User).where(User.role == "admin", User.active)) > 0


def list_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.username)))
