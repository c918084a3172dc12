"""The draft, review and usage commands."""

from __future__ import annotations

import pytest

from author_studio.cli import main
from author_studio.domain.model import VariantStatus
from tests.assist.conftest import TEST_KEY


@pytest.fixture
def openai_env(monkeypatch, server):
    monkeypatch.setenv("AUTHOR_STUDIO_PROVIDER", "openai")
    monkeypatch.setenv("OPENAI_BASE_URL", server.url)
    monkeypatch.setenv("OPENAI_API_KEY", TEST_KEY)
    monkeypatch.setenv("AUTHOR_STUDIO_MODEL", "test-model")


def _closed(project):
    path = project.path
    project.close()
    return str(path)


def test_draft_prints_variant_ids(project, openai_env, server, capsys):
    path = _closed(project)
    code = main(
        ["draft", path, "--scene", "bridge", "--audience", "Teens", "--count", "3"]
    )
    out = capsys.readouterr().out.split()
    assert code == 0
    assert out == ["1", "2", "3"]
    assert len(server.chat_requests()) == 1


def test_draft_offline_by_default(project, capsys):
    path = _closed(project)
    code = main(["draft", path, "--scene", "bridge", "--audience", "Family", "--json"])
    out = capsys.readouterr().out
    assert code == 0
    assert '"provider": "offline"' in out
    assert '"is_language_model": false' in out


def test_draft_unknown_audience(project, capsys):
    path = _closed(project)
    code = main(["draft", path, "--scene", "bridge", "--audience", "Kids"])
    err = capsys.readouterr().err
    assert code == 2
    assert "no audience named 'Kids'" in err
    assert "Family, Teens" in err


def test_draft_failure_exit_one(project, openai_env, server, capsys):
    from tests.assist.fake_openai_server import Reply

    server.queue(Reply("malformed"))
    path = _closed(project)
    code = main(["draft", path, "--scene", "bridge", "--audience", "Teens"])
    err = capsys.readouterr().err
    assert code == 1
    assert "Nothing was stored" in err


def test_review_approve_then_reject(project, openai_env, capsys):
    path = _closed(project)
    main(["draft", path, "--scene", "bridge", "--audience", "Teens", "--count", "2"])
    assert capsys.readouterr().out.split() == ["1", "2"]

    assert main(["review", path, "--variant", "1", "--approve", "--note", "ok"]) == 0
    assert main(["review", path, "--variant", "2", "--approve"]) == 0
    assert main(["review", path, "--variant", "2", "--reject"]) == 2
    assert "needs --note" in capsys.readouterr().err
    assert main(["review", path, "--variant", "2", "--reject", "--note", "flat"]) == 0

    from author_studio.services.session import ProjectSession

    session = ProjectSession.open(path)
    try:
        assert session.variants.get(1).status is VariantStatus.SUPERSEDED
        assert session.variants.get(2).status is VariantStatus.REJECTED
        actions = [entry.action for entry in session.audit_log()]
        assert actions[:4] == ["rejected", "approved", "superseded", "approved"]
    finally:
        session.close()


def test_usage_prints_totals(project, openai_env, server, capsys):
    path = _closed(project)
    main(["draft", path, "--scene", "bridge", "--audience", "Teens"])
    main(["draft", path, "--scene", "bridge", "--audience", "Teens"])
    capsys.readouterr()
    assert main(["usage", path]) == 0
    out = capsys.readouterr().out
    assert "openai/test-model: 2 requests (1 cached, 0 failed)" in out
    assert "Estimated total: unknown" in out
