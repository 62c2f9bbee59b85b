"""Settings: each layer overrides the one below, env names, camelCase options, clean config errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from codeassist.errors import ConfigError
from codeassist.settings import (
    OPENAI_DEFAULT_BASE_URL,
    Settings,
    apply_camel_case,
    load_settings,
    user_config_path,
)


def write_user_config(text: str) -> Path:
    path = user_config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def write_repo_config(root: Path, text: str) -> Path:
    path = root / ".codeassist.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_without_files_or_env() -> None:
    settings = load_settings(None, env={})
    assert settings.chat.model == ""
    assert not settings.chat.configured
    assert settings.chat.base_url == OPENAI_DEFAULT_BASE_URL
    assert settings.embeddings.provider == "local"
    assert settings.search.k == 8
    assert settings.log.enabled is True
    assert settings.sources == []


def test_user_config_lives_in_xdg_config_home(isolated_user_dirs: Path) -> None:
    assert user_config_path() == isolated_user_dirs / "config" / "codeassist" / "config.toml"


def test_each_layer_overrides_the_one_below(tmp_path: Path) -> None:
    write_user_config('[chat]\nmodel = "from-user"\ntimeout = 11\n[search]\nk = 3\n')
    write_repo_config(tmp_path, '[chat]\nmodel = "from-repo"\n[search]\nmax_hits_per_file = 1\n')

    files_only = load_settings(tmp_path, env={})
    assert files_only.chat.model == "from-repo"  # repo beats user
    assert files_only.chat.timeout == 11.0  # user value kept where the repo says nothing
    assert (files_only.search.k, files_only.search.max_hits_per_file) == (3, 1)

    with_env = load_settings(tmp_path, env={"CODEASSIST_CHAT_MODEL": "from-env"})
    assert with_env.chat.model == "from-env"

    with_flags = load_settings(tmp_path, {"chat": {"model": "from-flag", "timeout": None}},
                               env={"CODEASSIST_CHAT_MODEL": "from-env"})
    assert with_flags.chat.model == "from-flag"
    assert with_flags.chat.timeout == 11.0  # None means "flag not given"
    assert with_flags.sources == [str(user_config_path()), str(tmp_path / ".codeassist.toml"),
                                  "environment", "overrides"]


def test_openai_variables_are_defaults_for_every_endpoint(tmp_path: Path) -> None:
    env = {"OPENAI_BASE_URL": "http://gpu-box:8000/v1", "OPENAI_API_KEY": "sk-env-key-123456789"}
    settings = load_settings(None, env=env)
    for endpoint in (settings.chat, settings.completion, settings.embeddings):
        assert endpoint.base_url == "http://gpu-box:8000/v1"
        assert endpoint.api_key == "sk-env-key-123456789"

    # A file or a CODEASSIST_* variable that names an endpoint's URL wins over the generic default.
    write_repo_config(tmp_path, '[completion]\nbase_url = "http://localhost:11434/v1"\n')
    settings = load_settings(tmp_path, env={**env, "CODEASSIST_CHAT_BASE_URL": "http://chat:1/v1"})
    assert settings.completion.base_url == "http://localhost:11434/v1"
    assert settings.chat.base_url == "http://chat:1/v1"
    assert settings.embeddings.base_url == "http://gpu-box:8000/v1"


def test_api_key_resolution_order(tmp_path: Path) -> None:
    write_repo_config(tmp_path, '[chat]\napi_key_env = "GROQ_API_KEY"\n')
    env = {"GROQ_API_KEY": "gsk-from-named-var", "OPENAI_API_KEY": "sk-generic"}
    settings = load_settings(tmp_path, env=env)
    assert settings.chat.api_key == "gsk-from-named-var"
    assert settings.completion.api_key == "sk-generic"
    settings = load_settings(tmp_path, env={**env, "CODEASSIST_CHAT_API_KEY": "explicit"})
    assert settings.chat.api_key == "explicit"


def test_environment_variable_names() -> None:
    env = {
        "CODEASSIST_CHAT_MODEL": "c", "CODEASSIST_COMPLETION_MODEL": "qwen2.5-coder:1.5b",
        "CODEASSIST_EMBEDDINGS_MODEL": "e", "CODEASSIST_CHAT_BASE_URL": "http://a/v1",
        "CODEASSIST_COMPLETION_BASE_URL": "http://b/v1", "CODEASSIST_EMBEDDINGS_BASE_URL": "http://c/v1",
        "CODEASSIST_CHAT_API_KEY": "k1", "CODEASSIST_COMPLETION_API_KEY": "k2",
        "CODEASSIST_INDEX_DIR": "/tmp/idx", "CODEASSIST_LOG": "false", "CODEASSIST_EMBED_MODEL": "/models/minilm",
        "CODEASSIST_EMBEDDINGS_PROVIDER": "openai", "CODEASSIST_COMPLETION_DEBOUNCE_MS": "75",
        "CODEASSIST_CHAT_TIMEOUT": "2.5", "CODEASSIST_INDEX_EXCLUDE": "vendor/**, *.min.js",
        "CODEASSIST_CONTEXT_BUDGET_TOKENS": "1000",
    }
    s = load_settings(None, env=env)
    assert (s.chat.model, s.completion.model, s.embeddings.model) == ("c", "qwen2.5-coder:1.5b", "e")
    assert (s.chat.base_url, s.completion.base_url, s.embeddings.base_url) == ("http://a/v1", "http://b/v1",
                                                                               "http://c/v1")
    assert (s.chat.api_key, s.completion.api_key) == ("k1", "k2")
    assert s.index.index_dir == "/tmp/idx"
    assert s.log.enabled is False
    assert s.embeddings.model_path == "/models/minilm"
    assert s.embeddings.provider == "openai"
    assert s.completion.debounce_ms == 75
    assert s.chat.timeout == 2.5
    assert s.index.exclude == ["vendor/**", "*.min.js"]
    assert s.context.budget_tokens == 1000


def test_camel_case_options_map_onto_overrides() -> None:
    options = {"chat": {"baseUrl": "http://x/v1", "maxRetries": 1, "apiKeyEnv": "MY_KEY"},
               "completion.debounceMs": 40, "completion": {"fimTemplate": "qwen"},
               "index": {"maxFileBytes": 2048, "indexDir": "/i"}, "log": False}
    overrides = apply_camel_case(options)
    assert overrides == {"chat": {"base_url": "http://x/v1", "max_retries": 1, "api_key_env": "MY_KEY"},
                         "completion": {"debounce_ms": 40, "fim_template": "qwen"},
                         "index": {"max_file_bytes": 2048, "index_dir": "/i"}, "log": False}
    s = load_settings(None, overrides, env={"MY_KEY": "from-my-key"})
    assert s.chat.base_url == "http://x/v1"
    assert s.chat.api_key == "from-my-key"
    assert s.completion.debounce_ms == 40
    assert s.index.max_file_bytes == 2048
    assert s.log.enabled is False


def test_to_index_config_and_redacted_dict() -> None:
    s = load_settings(None, {"index": {"exclude": ["dist/**"], "max_chunk_chars": 900}},
                      env={"OPENAI_API_KEY": "sk-abcdefghijklmnop7890"})
    config = s.index.to_index_config()
    assert (config.exclude, config.max_chunk_chars, config.max_file_bytes) == (["dist/**"], 900, 1_000_000)
    shown = s.redacted_dict()
    assert shown["chat"]["api_key"] == "sk-…7890"
    assert "sk-abcdefghijklmnop7890" not in str(shown)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[chat]\nmodel = "x"\nmodle = "y"\n', ["unknown key 'chat.modle'", "Did you mean 'chat.model'?"]),
        ('[chta]\nmodel = "x"\n', ["unknown key 'chta'", "Did you mean 'chat'?"]),
        ('[chat]\ntimeout = "slow"\n', ["'chat.timeout' must be a number", "'slow'"]),
        ('[chat]\ntimeout = -1\n', ["'chat.timeout' must be greater than 0, got -1"]),
        ('[search]\nk = 2.5\n', ["'search.k' must be an integer"]),
        ('log = "yes"\n', ["'log' must be true or false"]),
        ('[embeddings]\nprovider = "torch"\n', ["'embeddings.provider' must be one of local, openai"]),
        ('[index]\nexclude = "vendor"\n', ["'index.exclude' must be a list of strings"]),
        ('chat = 3\n', ["'chat' must be a table"]),
        ('[chat\nmodel = "x"\n', ["invalid TOML"]),
    ],
)
def test_invalid_config_names_file_key_and_problem(tmp_path: Path, text: str, expected: list[str]) -> None:
    path = write_repo_config(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_settings(tmp_path, env={})
    message = str(info.value)
    assert message.startswith(str(path))
    for part in expected:
        assert part in message


def test_invalid_environment_value_names_the_variable() -> None:
    with pytest.raises(ConfigError, match="CODEASSIST_SEARCH_K='many' is not valid"):
        load_settings(None, env={"CODEASSIST_SEARCH_K": "many"})
    with pytest.raises(ConfigError, match="CODEASSIST_LOG"):
        load_settings(None, env={"CODEASSIST_LOG": "maybe"})


def test_invalid_override_is_reported_as_such() -> None:
    with pytest.raises(ConfigError, match=r"^overrides: unknown key 'completion.debounce'"):
        load_settings(None, {"completion": {"debounce": 10}}, env={})


def test_bad_user_config_is_a_clean_cli_error_not_a_traceback(tmp_path: Path) -> None:
    from codeassist.cli.main import cli

    path = write_user_config("[chat]\nmodel = \n")
    result = CliRunner().invoke(cli, ["config", "show", "--root", str(tmp_path)])
    assert result.exit_code == 2
    assert f"Error: {path}: invalid TOML" in result.output
    assert "Traceback" not in result.output


def test_settings_is_one_typed_object() -> None:
    s = Settings()
    assert type(s.completion.max_tokens) is int and type(s.chat.timeout) is float
