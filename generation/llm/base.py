"""What every LLM offers, language detection, schema validation and the local task registry."""

from __future__ import annotations

import asyncio
import json
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from config.error_codes import ErrorCode
from generation.clients.http import RetryPolicy
from generation.providers.base import ProviderError, ProviderNotConfigured

# The one retry layer of the LLM path: every request of one answer (a transient failure, a
# refused answer format, an unusable answer) counts against these attempts, so a page block
# costs at most LLM_MAX_ATTEMPTS calls whatever goes wrong.
LLM_MAX_ATTEMPTS = 3
LLM_RETRY = RetryPolicy(max_attempts=LLM_MAX_ATTEMPTS)

# A caller's own test of an answer that matches the schema: returns what the caller wants from
# it, or raises ValueError (or django's ValidationError) saying what is wrong, to ask again.
Check = Callable[[dict], Any]


@dataclass(frozen=True)
class Translation:
    text: str  # the English text to use downstream
    source_language: str  # detected: "ko", "en", "ja", "zh", "ru", …, "und"
    translated: bool  # True when `text` is a translation
    note: str  # for people: what happened and why
    model: str  # "local" or the model name


@dataclass(frozen=True)
class JsonCompletion:
    data: dict  # the answer, valid against the schema
    value: Any  # what the caller's `check` made of it (`data` without a check)
    model: str
    prompt_tokens: int
    completion_tokens: int
    seconds: float
    attempts: int = 1


class LLMError(ProviderError):
    """An LLM failure, shaped like a provider's so the job engine treats both alike.

    Codes: llm_not_configured, llm_auth, llm_credits, llm_rate_limited, llm_unavailable,
    llm_timeout, llm_refused, llm_bad_output, llm_rejected (any other 4xx)."""

    def __init__(
        self,
        message: str,
        *,
        code: str = "llm_error",
        permanent: bool = True,
        retry_after_seconds: float | None = None,
    ):
        super().__init__(message, code=code, permanent=permanent, retry_after_seconds=retry_after_seconds)


def unusable_answer(what: str, problem: str) -> LLMError:
    return LLMError(f"The LLM gave unusable output for {what}: {problem}"[:900], code="llm_bad_output")


class LLMNotConfigured(ProviderNotConfigured, LLMError):
    def __init__(self, variable: str, provider: str):
        super().__init__(variable, provider)
        self.code = ErrorCode.LLM_NOT_CONFIGURED


LANGUAGE_NAMES = {
    "en": "English",
    "ko": "Korean",
    "ja": "Japanese",
    "zh": "Chinese",
    "ru": "Russian",
    "uk": "Ukrainian",
    "ar": "Arabic",
    "fa": "Persian",
    "he": "Hebrew",
    "th": "Thai",
    "hi": "Hindi",
    "el": "Greek",
    "es": "Spanish",
    "fr": "French",
    "de": "German",
    "pt": "Portuguese",
    "it": "Italian",
    "vi": "Vietnamese",
    "und": "an undetermined language",
}


def language_name(code: str) -> str:
    return LANGUAGE_NAMES.get(code, code)


# --- language detection ---------------------------------------------------------------------

# (first, last) code points per script. Hangul, kana and Han carry about a word's worth of
# meaning in two or three letters, so they weigh more against Latin letters in mixed text
# ("Nike 운동화를 …" is Korean; "Add the text '안녕' to the mug" is English).
_SCRIPTS: list[tuple[str, int, tuple[tuple[int, int], ...]]] = [
    ("hangul", 3, ((0x1100, 0x11FF), (0x3130, 0x318F), (0xA960, 0xA97F), (0xAC00, 0xD7AF))),
    ("kana", 3, ((0x3040, 0x30FF), (0x31F0, 0x31FF), (0xFF66, 0xFF9F))),
    ("han", 3, ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0x20000, 0x2FA1F))),
    ("cyrillic", 1, ((0x0400, 0x052F),)),
    ("arabic", 1, ((0x0600, 0x06FF), (0x0750, 0x077F), (0xFB50, 0xFDFF), (0xFE70, 0xFEFF))),
    ("hebrew", 1, ((0x0590, 0x05FF),)),
    ("thai", 1, ((0x0E00, 0x0E7F),)),
    ("devanagari", 1, ((0x0900, 0x097F),)),
    ("greek", 1, ((0x0370, 0x03FF),)),
]

_SIMPLE_SCRIPT_LANGUAGE = {"hangul": "ko", "hebrew": "he", "thai": "th", "devanagari": "hi", "greek": "el"}

_ENGLISH_WORDS = """
a an the and or but of to in on at by for from with into onto over under about as is are was were be
been it its this that these those there here my your our their his her i you we they he she me us them
not no do does make add put place set turn change replace remove keep show give use let please can
should would will background image photo picture style color colour white black light more less very
so then than also all some each same like near behind front top bottom left right side new old
"""
_STOPWORDS_EN = frozenset(_ENGLISH_WORDS.split())

_STOPWORDS_OTHER = {
    "es": """a el la los las de del que y en un una unos unas por con para es al lo como más pero sus le ya
        este esta estos estas sí porque muy sin sobre también hay ser fondo imagen foto poner pon haz
        quiero quita cambia agrega añade blanco negro""",
    "fr": """à le la les de des du un une et est en que qui dans pour pas sur avec ce cette il elle au aux ne
        se sont mais ou très fond image photo mettre mets ajoute ajouter enlève change blanc noir je veux""",
    "de": """der die das und ist nicht ein eine einen einem dem den des mit auf für von zu im sich auch es
        wie oder bitte ich sie wir hintergrund bild foto mach mache füge hinzu entferne ändere weiß
        schwarz""",
    "pt": """a o os as de da do das dos e em um uma para com não que no na nos nas por mais se ao à é sobre
        fundo imagem foto coloque coloca adicione remova mude branco preto quero você""",
    "it": """a il lo la gli le di del della dei delle e è un una per con che non nel nella sul sulla sono ma
        anche questo questa sfondo immagine foto metti aggiungi rimuovi cambia bianco nero voglio""",
    "vi": """của và là có những một các cho không với được trong này người nền ảnh hình màu trắng đen
        thêm bỏ đặt làm""",
}
# Words shared with English ("a", "in") count for both sides.
_STOPWORDS = {lang: frozenset(words.split()) for lang, words in _STOPWORDS_OTHER.items()}

# Letters that are strong hints on their own.
_LETTER_HINTS = {
    "ñ": ("es", 2),
    "¿": ("es", 2),
    "¡": ("es", 2),
    "ß": ("de", 2),
    "ä": ("de", 1),
    "ö": ("de", 1),
    "ü": ("de", 1),
    "ã": ("pt", 2),
    "õ": ("pt", 2),
    "œ": ("fr", 2),
    "ç": ("fr", 1),
    "ê": ("fr", 1),
    "è": ("fr", 1),
}
# Letters found in Vietnamese and in no other language of ours (horn, breve, stroke, dot below).
_VIETNAMESE = re.compile(r"[ơưăđạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ]", re.IGNORECASE)
_WORD = re.compile(r"[^\W\d_]+")


def _script_counts(text: str) -> tuple[dict[str, int], int]:
    counts: dict[str, int] = {}
    latin = 0
    for char in text:
        if not char.isalpha():
            continue
        point = ord(char)
        if point < 0x0250 or 0x1E00 <= point <= 0x1EFF:
            latin += 1
            continue
        for script, _weight, ranges in _SCRIPTS:
            if any(first <= point <= last for first, last in ranges):
                counts[script] = counts.get(script, 0) + 1
                break
    return counts, latin


def _latin_language(text: str) -> str:
    lowered = unicodedata.normalize("NFC", text.lower())
    if len(_VIETNAMESE.findall(lowered)) >= 2:
        return "vi"
    words = _WORD.findall(lowered)
    english = sum(word in _STOPWORDS_EN for word in words)
    scores = {lang: sum(word in stopwords for word in words) for lang, stopwords in _STOPWORDS.items()}
    for char in lowered:
        if char in _LETTER_HINTS:
            lang, weight = _LETTER_HINTS[char]
            scores[lang] += weight
    best = max(scores, key=lambda lang: scores[lang])
    # English unless another language clearly wins: a prompt in English often carries a
    # foreign brand or place name, and translating English costs a call for nothing.
    if scores[best] >= 2 and scores[best] > english * 1.5:
        return best
    return "en"


def detect_language(text: str) -> str:
    """Best guess at the language of a prompt, by script and then by common words.

    Returns an ISO 639-1 code, or "und" when there are no letters to go by."""
    counts, latin = _script_counts(text or "")
    if not counts and not latin:
        return "und"
    weights = {script: _weight for script, _weight, _ranges in _SCRIPTS}
    cjk = counts.get("kana", 0) + counts.get("han", 0)
    scored = {
        script: count * weights[script] for script, count in counts.items() if script not in ("kana", "han")
    }
    if cjk:
        scored["cjk"] = cjk * 3
    best = max(scored, key=lambda script: scored[script], default=None)
    if best is None or scored[best] < latin:
        return _latin_language(text)
    if best == "cjk":
        # Japanese writes with kanji too, but Chinese never uses kana.
        return "ja" if counts.get("kana", 0) else "zh"
    if best == "cyrillic":
        return "uk" if re.search(r"[іїєґ]", text, re.IGNORECASE) else "ru"
    if best == "arabic":
        return "fa" if re.search(r"[پچژگ]", text) else "ar"
    return _SIMPLE_SCRIPT_LANGUAGE[best]


# --- JSON answers ---------------------------------------------------------------------------


def validation_error(data: object, schema: dict) -> str | None:
    """The first problem with `data` against `schema`, in words, or None when it is valid."""
    # Imported here: jsonschema costs ~5 MB per process and only LLM answers need it.
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import SchemaError

    try:
        validator = Draft202012Validator(schema)
        error = next(iter(sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))), None)
    except SchemaError as exc:  # our own bug, not the model's: say so loudly
        raise ValueError(f"invalid JSON schema: {exc.message}") from exc
    if error is None:
        return None
    where = "/".join(str(part) for part in error.absolute_path) or "(root)"
    return f"at {where}: {error.message}"


_FENCE = re.compile(r"^```(?:json)?\s*(.*?)\s*```$", re.DOTALL | re.IGNORECASE)


def parse_json_object(content: str) -> dict | None:
    """The JSON object in a model's answer, tolerating code fences and text around it."""
    text = (content or "").strip()
    fenced = _FENCE.match(text)
    if fenced:
        text = fenced.group(1)
    candidates = [text]
    start, end = text.find("{"), text.rfind("}")
    if 0 <= start < end:
        candidates.append(text[start : end + 1])
    for candidate in candidates:
        try:
            data = json.loads(candidate)
        except ValueError:
            continue
        if isinstance(data, dict):
            return data
    return None


# --- local JSON tasks -----------------------------------------------------------------------

LocalTask = Callable[[dict, dict], dict]
_LOCAL_TASKS: dict[str, LocalTask] = {}


def register_local_task(name: str, fn: LocalTask) -> None:
    """Make `fn(context, schema) -> dict` the offline LLM's answer to JSON task `name`."""
    _LOCAL_TASKS[name] = fn


def local_task(name: str) -> LocalTask | None:
    return _LOCAL_TASKS.get(name)


# --- the interface --------------------------------------------------------------------------


class LLM:
    """Base class. Subclasses set `name` and `model` and implement `_translate` and `acomplete_json`."""

    name: str = ""
    model: str = ""

    def check_configured(self) -> None:
        """Raise ProviderNotConfigured naming the missing variable."""

    def probe(self) -> tuple[bool, str] | None:
        """A cheap readiness check for health, or None where there is none."""
        return None

    def detect_language(self, text: str) -> str:
        return detect_language(text)

    def translate_to_english(self, text: str) -> Translation:
        """`text` in English. English (and text without letters) is returned as it is, unsent."""
        language = detect_language(text)
        if language == "en":
            return Translation(
                text=text,
                source_language="en",
                translated=False,
                note="Already in English; sent as written.",
                model=self.model,
            )
        if language == "und":
            return Translation(
                text=text,
                source_language="und",
                translated=False,
                note="No language detected; sent as written.",
                model=self.model,
            )
        return self._translate(text, language)

    def _translate(self, text: str, language: str) -> Translation:
        raise NotImplementedError

    async def acomplete_json(
        self,
        *,
        task: str,
        system: str,
        user: str,
        schema: dict,
        context: dict | None = None,
        max_tokens: int = 1500,
        check: Check | None = None,
        what: str = "",
    ) -> JsonCompletion:
        """A JSON object for `task` that validates against `schema` and passes `check`, or LLMError
        (llm_bad_output naming `what`, "the task '<task>'" by default, when no answer was usable).
        `context` is for the offline LLM's generators; the prompts are what a real model reads."""
        raise NotImplementedError

    def complete_json(self, **request: Any) -> JsonCompletion:
        """acomplete_json for callers outside an event loop."""
        return asyncio.run(self.acomplete_json(**request))
