"""The labelled evaluation sets of the secret and PII facts, and how they are built.

``python -m app.facts.evalsets --write tests/facts/eval`` rewrites both (the
output is a pure function of this module: a seeded generator, no network):

* ``secrets/``: configuration files in the formats detect-secrets parses with its
  own transformers and in the ones it reads line by line (INI, ``.cfg``,
  ``.properties``, YAML, ``.env``, JSON, TOML), each with planted fake
  credentials of the kinds detect-secrets' plugins know, written the ways real
  configuration files write them: quoted and unquoted values, INI continuation
  lines, YAML block scalars and ``!!binary``, a key on one line and its value on
  the next, flow mappings; and ordinary values around them (hosts, ports, paths,
  versions, UUIDs, booleans) that must stay quiet. ``labels.json`` lists every
  planted line and its kind. Vendor tokens are random strings in each vendor's
  published shape; AWS's are its documented example keys; nothing is live.
* ``pii/cases.jsonl``: one snippet of code or text per line, with the e-mail and
  IP addresses it really holds (kind and line). Positives are addresses written
  the ways code carries them (author headers, ``mailto:``, package metadata,
  server lists with context, IPv6); decoys are the false alarms met in real code
  (``ssh://git@host/...``, SCP-style ``user@host:path``, four-part versions such
  as ``2.10.4.1``, ``q@k.transpose(...)``, ``{user}@{domain}.com``, reserved
  example domains, private and documentation ranges, decorators).
"""

from __future__ import annotations

import argparse
import json
import random
import string
import sys
from dataclasses import dataclass, field
from pathlib import Path

ALNUM = string.ascii_letters + string.digits
LOWER_ALNUM = string.ascii_lowercase + string.digits
HEX = "0123456789abcdef"
# AWS's documented example credentials (AWS docs, "Understanding and getting your
# AWS credentials"): shaped like real keys, valid nowhere.
AWS_KEY_ID = "AKIA" + "IOSFODNN7EXAMPLE"
AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/" + "bPxRfiCYEXAMPLEKEY"


@dataclass(frozen=True, slots=True)
class Planted:
    """A planted secret: its kind and the lines a report of it may point at (the
    value's line, and the key's when the value is on a line of its own: detect-
    secrets' YAML reader reports a block scalar at its key)."""

    kind: str
    first_line: int
    line: int


@dataclass
class ConfigFile:
    """A file and its planted secrets, by the value's 1-based line."""

    name: str
    lines: list[str] = field(default_factory=list)
    planted: dict[int, Planted] = field(default_factory=dict)

    def add(self, line: str, kind: str | None = None, *, key_above: bool = False) -> None:
        self.lines.append(line)
        number = len(self.lines)
        if kind:
            self.planted[number] = Planted(kind, number - 1 if key_above else number, number)

    def text(self) -> str:
        return "\n".join(self.lines) + "\n"


class _Tokens:
    """Fake credentials in each vendor's shape (seeded: the same set every time)."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)  # noqa: S311 - fake tokens, reproducible on purpose

    def of(self, chars: str, n: int) -> str:
        return "".join(self.rng.choice(chars) for _ in range(n))

    def kinds(self) -> dict[str, str]:
        r = self.of
        return {
            "aws_access_key": AWS_KEY_ID,
            "aws_secret_key": AWS_SECRET,
            "github_token": "ghp_" + r(ALNUM, 36),
            "gitlab_token": "glpat-" + r(ALNUM, 20),
            "slack_token": f"xoxb-{r(string.digits, 12)}-{r(LOWER_ALNUM, 24)}",
            "stripe_key": "sk_live_" + r(ALNUM, 24),
            "sendgrid_key": f"SG.{r(ALNUM, 22)}.{r(ALNUM, 43)}",
            "twilio_key": "SK" + r(LOWER_ALNUM, 32),
            "openai_key": f"sk-{r(ALNUM, 20)}T3BlbkFJ{r(ALNUM, 20)}",
            "pypi_token": "pypi-AgEIcHlwaS5vcmc" + r(ALNUM, 80),
            "npm_token": "npm_" + r(ALNUM, 36),
            "mailchimp_key": f"{r(LOWER_ALNUM, 32)}-us12",
            "square_oauth_secret": "sq0csp-" + r(ALNUM, 43),
            "telegram_token": f"{r(string.digits, 9)}:{r(ALNUM, 35)}",
            "discord_token": f"M{r(ALNUM, 23)}.{r(ALNUM, 6)}.{r(ALNUM, 27)}",
            "artifactory_token": "AKC" + r(ALNUM, 20),
            "jwt": "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."
            "eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ."
            "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
            "password": r(ALNUM, 10) + "!" + r(ALNUM, 6),
            "base64_secret": r(ALNUM + "+/", 44),
            "hex_secret": r(HEX, 40),
        }


def secret_files(seed: int = 17) -> list[ConfigFile]:
    """The secrets evaluation files (module doc)."""
    t = _Tokens(seed).kinds()
    files: list[ConfigFile] = []

    ini = ConfigFile("app.ini")
    ini.add("; application settings")
    ini.add("[server]")
    ini.add("host = api.internal.example.org")
    ini.add("port = 8443")
    ini.add("workers = 4")
    ini.add("")
    ini.add("[database]")
    ini.add("user = app")
    ini.add("password = " + t["password"], "password")  # unquoted
    ini.add("secret_token =")
    ini.add("    " + t["base64_secret"], "base64_secret", key_above=True)  # continuation
    ini.add("timeout = 30")
    ini.add("")
    ini.add("[aws]")
    ini.add("aws_access_key_id = " + AWS_KEY_ID, "aws_access_key")
    ini.add("aws_secret_access_key = " + AWS_SECRET, "aws_secret_key")
    ini.add("region = eu-west-3")
    ini.add("[integrations]")
    ini.add("slack = " + t["slack_token"], "slack_token")
    ini.add("stripe_api_key = " + t["stripe_key"], "stripe_key")
    ini.add("api_key = " + t["hex_secret"], "hex_secret")
    ini.add("request_id = 3f2a8c1e-7d4b-4e2a-9b1c-5d6e7f8a9b0c")
    files.append(ini)

    cfg = ConfigFile("setup.cfg")
    cfg.add("[metadata]")
    cfg.add("name = widget")
    cfg.add("version = 2.10.4")
    cfg.add("[upload]")
    cfg.add("repository = https://upload.pypi.org/legacy/")
    cfg.add("username = __token__")
    cfg.add("password = " + t["pypi_token"], "pypi_token")
    cfg.add("[tool:deploy]")
    cfg.add("github_token = " + t["github_token"], "github_token")
    cfg.add("gitlab_token = " + t["gitlab_token"], "gitlab_token")
    files.append(cfg)

    props = ConfigFile("application.properties")
    props.add("# Spring configuration")
    props.add("server.port=8080")
    props.add("spring.datasource.url=jdbc:postgresql://db:5432/app")
    props.add("spring.datasource.password=" + t["password"], "password")
    props.add("sendgrid.api.key=" + t["sendgrid_key"], "sendgrid_key")
    props.add("twilio.key=" + t["twilio_key"], "twilio_key")
    props.add("logging.level.root=INFO")
    files.append(props)

    yaml = ConfigFile("deploy.yaml")
    yaml.add("service:")
    yaml.add("  name: widget")
    yaml.add("  replicas: 3")
    yaml.add("  image: registry.example.org/widget:2.10.4.1")
    yaml.add("  env:")
    yaml.add("    DB_PASSWORD: " + t["password"], "password")  # unquoted
    yaml.add("    OPENAI_API_KEY: " + t["openai_key"], "openai_key")
    yaml.add("    token: " + t["base64_secret"], "base64_secret")
    yaml.add("  credentials:")
    yaml.add("    secret:")
    yaml.add("      " + t["hex_secret"], "hex_secret", key_above=True)  # value on the next line
    yaml.add("  cert: !!binary |")
    yaml.add("    " + t["base64_secret"][:40] + "QUJDRA==", "base64_secret", key_above=True)
    yaml.add("  npm: {token: " + t["npm_token"] + ", registry: npmjs}", "npm_token")
    yaml.add("  mailchimp_api_key: '" + t["mailchimp_key"] + "'", "mailchimp_key")
    yaml.add("  square_secret: " + t["square_oauth_secret"], "square_oauth_secret")
    yaml.add("  telegram_bot_token: " + t["telegram_token"], "telegram_token")
    yaml.add("  healthcheck: /healthz")
    yaml.add("  uuid: 6f1c2b9e-8d3a-4f5b-9c7e-1a2b3c4d5e6f")
    files.append(yaml)

    env = ConfigFile(".env")
    env.add("# local settings, never commit")
    env.add("APP_ENV=production")
    env.add("DB_HOST=db.internal")
    env.add("DB_PASSWORD=" + t["password"], "password")
    env.add("SECRET_KEY=" + t["base64_secret"], "base64_secret")
    env.add("DISCORD_BOT_TOKEN=" + t["discord_token"], "discord_token")
    env.add("ARTIFACTORY_API_KEY=" + t["artifactory_token"], "artifactory_token")
    env.add("JWT=" + t["jwt"], "jwt")
    env.add("DEBUG=false")
    files.append(env)

    json_file = ConfigFile("credentials.json")
    json_file.add("{")
    json_file.add('  "name": "widget",')
    json_file.add('  "version": "2.10.4",')
    json_file.add('  "password": "' + t["password"] + '",', "password")
    json_file.add('  "aws_secret_access_key": "' + AWS_SECRET + '",', "aws_secret_key")
    json_file.add('  "slack_webhook_token": "' + t["slack_token"] + '",', "slack_token")
    json_file.add('  "client_secret": "' + t["hex_secret"] + '",', "hex_secret")
    json_file.add('  "homepage": "https://widget.example.org"')
    json_file.add("}")
    files.append(json_file)

    toml = ConfigFile("config.toml")
    toml.add("[package]")
    toml.add('name = "widget"')
    toml.add('version = "0.4.1"')
    toml.add("[registry]")
    toml.add('token = "' + t["base64_secret"] + '"', "base64_secret")
    toml.add('github_token = "' + t["github_token"] + '"', "github_token")
    files.append(toml)
    return files


@dataclass(frozen=True, slots=True)
class PiiCase:
    """A snippet (at ``path``) and the personal data it holds: (kind, line) pairs."""

    case_id: str
    path: str
    text: str
    expected: tuple[tuple[str, int], ...]


_PEOPLE = (
    ("jeanne.dupont", "univ-rennes.fr"),
    ("m.rossi", "polimi.it"),
    ("akira.tanaka", "u-tokyo.ac.jp"),
    ("lena.schmidt", "tu-berlin.de"),
    ("carlos.mendez", "gmail.com"),
    ("priya.nair", "iisc.ac.in"),
    ("olu.adeyemi", "outlook.com"),
    ("sofia.lindqvist", "kth.se"),
    ("wei.zhang", "tsinghua.edu.cn"),
    ("john.smith", "softwareheritage.org"),
    ("ana.lopez", "correo-uni.es"),
    ("dev+lists", "fastmail.com"),
)
_PUBLIC_IPV4 = (
    "151.101.1.69",
    "52.84.123.45",
    "185.199.108.153",
    "34.117.59.81",
    "104.16.132.229",
    "3.120.5.1",
    "5.45.207.1",
    "198.252.206.16",
)
_PUBLIC_IPV6 = ("2a00:1450:4007:80e::200e", "2606:4700:10::6816:1234", "2001:67c:2e8:22::c100:68b")


def pii_cases() -> list[PiiCase]:
    """The PII evaluation snippets (module doc)."""
    cases: list[PiiCase] = []

    def add(case_id: str, path: str, text: str, *expected: tuple[str, int]) -> None:
        cases.append(PiiCase(case_id, path, text, tuple(expected)))

    for n, (user, domain) in enumerate(_PEOPLE):
        address = f"{user}@{domain}"
        name = user.split("@")[0].replace(".", " ").title()
        add(
            f"email-header-{n}",
            "lib.py",
            f"# Author: {name} <{address}>\nimport os\n",
            ("email", 1),
        )
        add(
            f"email-metadata-{n}",
            "package.json",
            f'{{\n  "name": "w{n}",\n  "author": "{name} <{address}>",\n  "license": "MIT"\n}}\n',
            ("email", 3),
        )
        add(
            f"email-mailto-{n}",
            "README.md",
            f"Questions? Write to [{name}](mailto:{address}).\n",
            ("email", 1),
        )
        add(
            f"email-yaml-{n}",
            "CITATION.cff",
            f"authors:\n  - name: {name}\n    email: {address}\n",
            ("email", 3),
        )
        add(
            f"email-after-scp-style-{n}",
            "NOTES.txt",
            f"deploy with `scp build.tgz deploy@ci.{domain}:/srv/`\nthen mail {address}\n",
            ("email", 2),
        )
    for n, ip in enumerate(_PUBLIC_IPV4):
        add(f"ipv4-config-{n}", "settings.py", f"UPSTREAM_HOST = '{ip}'\nPORT = 443\n", ("ipv4", 1))
        add(f"ipv4-port-{n}", "nginx.conf", f"    proxy_pass http://{ip}:8080;\n", ("ipv4", 1))
        add(f"ipv4-list-{n}", "hosts.txt", f"# mirrors\n{ip}\tmirror{n}\n", ("ipv4", 2))
    for n, ip in enumerate(_PUBLIC_IPV6):
        add(f"ipv6-{n}", "server.yaml", f"listen:\n  - '[{ip}]:443'\n", ("ipv6", 2))

    # Decoys: each looks like personal data to a naive pattern and is not.
    decoys = [
        ("ssh-url", "Makefile", "clone:\n\tgit clone ssh://git@github.com/org/repo.git\n"),
        ("ssh-url-port", "ci.yml", "url: ssh://git@gitlab.example.net:2222/g/r.git\n"),
        ("https-user", "README.md", "git clone https://alice@bitbucket.org/alice/widget.git\n"),
        ("scp-remote", "deploy.sh", "rsync -a dist/ deploy@build.acme.io:/var/www/app\n"),
        ("scp-git", "docs.md", "git remote add origin git@gitlab.com:group/project.git\n"),
        ("scp-home", "notes.txt", "scp ubuntu@ec2-3-120-5-1.compute.amazonaws.com:~/log .\n"),
        ("version-4part", "setup.py", "install_requires=['widget==2.10.4.1']\n"),
        ("version-4part-b", "CHANGES.rst", "Release 1.0.12.3\n=================\n"),
        ("version-assign", "version.py", '__version__ = "3.12.5.1"\n'),
        ("version-suffix", "notes.txt", "fixed in 2.10.4.1-rc2 and 4.2.20.7+local\n"),
        ("version-windows", "build.txt", "Windows SDK 10.0.17763.1\n"),
        ("version-single-digit", "version.txt", "version = '1.2.3.4'\n"),
        ("matmul", "attention.py", "scores = q@k.transpose(-2, -1) / math.sqrt(d)\n"),
        ("matmul-weight", "model.py", "out = x@W.weight + b\n"),
        ("template-braces", "mail.py", 'address = f"{user}@{domain}.com"\n'),
        ("template-percent", "mail.py", 'to = "%s@%s.org" % (user, host)\n'),
        ("template-dollar", "notify.sh", 'echo "${USER}@${DOMAIN}.net"\n'),
        ("template-jinja", "email.html", "<p>{{ user.name }}@{{ site }}.com</p>\n"),
        ("example-domain", "docs.md", "Contact: someone@example.com\n"),
        ("localhost", "test.cfg", "sender = admin@localhost\n"),
        ("test-tld", "conftest.py", "EMAIL = 'qa@build.test'\n"),
        ("python-version", "README.md", "pip install python@2.7\n"),
        ("decorator", "views.py", "@app.route('/')\ndef index(): ...\n"),
        ("npm-scope", "package.json", '{"dependencies": {"@babel/core": "7.24.0"}}\n'),
        ("private-ip", "docker.env", "DB=10.0.0.12\nCACHE=192.168.1.20\n"),
        ("loopback", "app.py", "HOST = '127.0.0.1'\n"),
        ("doc-range", "rfc.txt", "example address 203.0.113.7 and 2001:db8::8a2e:370:7334\n"),
        ("dns-resolver", "resolv.conf", "nameserver 8.8.8.8\n"),
        ("slice", "arrays.py", "every_other = items[1::2]\n"),
        ("cpp-scope", "main.cpp", "std::vector<int> v;\n"),
        ("mac", "net.txt", "mac = '00:1a:2b:3c:4d:5e'\n"),
        ("time", "log.txt", "12:30:45 started\n"),
        ("at-mention", "CHANGELOG.md", "Thanks @octocat for the fix.\n"),
        ("css-import", "style.css", "@import url('theme.css');\n"),
        ("unknown-tld", "hosts.md", "build@ci.internal runs nightly\n"),
    ]
    for case_id, path, text in decoys:
        add(f"decoy-{case_id}", path, text)
    return cases


def write(directory: Path) -> tuple[int, int]:
    """Write both sets under ``directory`` (``secrets/``, ``pii/``)."""
    secrets_dir = directory / "secrets"
    secrets_dir.mkdir(parents=True, exist_ok=True)
    labels = {}
    files = secret_files()
    for config in files:
        (secrets_dir / config.name).write_text(config.text(), encoding="utf-8")
        labels[config.name] = [
            {"kind": p.kind, "line": p.line, "first_line": p.first_line}
            for _, p in sorted(config.planted.items())
        ]
    (secrets_dir / "labels.json").write_text(json.dumps(labels, indent=1) + "\n", encoding="utf-8")
    pii_dir = directory / "pii"
    pii_dir.mkdir(parents=True, exist_ok=True)
    cases = pii_cases()
    with (pii_dir / "cases.jsonl").open("w", encoding="utf-8") as out:
        for case in cases:
            row: dict[str, object] = {"id": case.case_id, "path": case.path}
            row["text"] = case.text
            row["expected"] = [list(e) for e in case.expected]
            out.write(json.dumps(row) + "\n")
    return len(files), len(cases)


def load_secret_labels(directory: Path) -> dict[str, list[Planted]]:
    raw = json.loads((directory / "labels.json").read_text(encoding="utf-8"))
    return {
        name: [Planted(str(p["kind"]), int(p["first_line"]), int(p["line"])) for p in planted]
        for name, planted in raw.items()
    }


def load_pii_cases(path: Path) -> list[PiiCase]:
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        expected = tuple((str(kind), int(number)) for kind, number in row["expected"])
        out.append(PiiCase(row["id"], row["path"], row["text"], expected))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--write", type=Path, required=True, help="directory to (re)write")
    args = parser.parse_args(argv)
    files, cases = write(args.write)
    print(f"{files} secret files and {cases} PII cases written to {args.write}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
