"""English and Persian lexicons for the rules engine: cues, symptoms, body systems, drugs."""

from __future__ import annotations

import re

# ------------------------------------------------------------------ negation / uncertainty
NEGATION_EN = (
    r"no|not|never|without|denies|denied|deny|negative for|free of|none|nothing|"
    r"don't|dont|doesn't|didn't|haven't|hasn't|hadn't|isn't|wasn't|aren't|can't|won't|"
    r"no history of|absence of|ruled out|neither|nor"
)
NEGATION_FA = r"نه|خیر|ندارم|ندارد|نداره|نداشتم|نداشته|نیست|نبود|نمی|نمی‌|بدون|هیچ|نشده|نکرده"
NEG_RE = re.compile(rf"(?:(?<![\w'])(?:{NEGATION_EN})(?![\w'])|(?:{NEGATION_FA}))", re.IGNORECASE)
UNCERTAIN_RE = re.compile(
    r"(?<![\w'])(?:maybe|might|may be|possibl[ey]|probabl[ey]|i think|i guess|not sure|unsure|"
    r"could be|likely|suspect(?:ed)?|rule out|perhaps|seems?|questionable|concern for|"
    r"kind of|sort of)(?![\w'])|شاید|احتمالا|احتمالاً|احتمال|مشکوک به|فکر می‌?کنم|ممکن است|مطمئن نیستم",
    re.IGNORECASE,
)
# an exception that names what there is after a "no": "nothing other than my usual arthritis", "none except …"
EXCEPTION = r"\b(?:other than|except|besides|apart from|aside from)\b"
BARE_NO = re.compile(
    r"^\s*(?:no|nope|nah|not really|none|never|no,? (?:i|not|none|nothing|never)[^.?!]*|no(?:,?\s+(?:and\s+)?no)+|"
    r"(?:no,? )?(?:not|none) that (?:i|we) know of|"
    r"نه|خیر|نه خیر|ندارم|نه،? ندارم|نه،? نداشتم|نداشتم|نه،? (?:اصلا|اصلاً|ابدا|ابداً|هیچ[\u200c ]?وقت|هیچی)|"
    # "نه، نمیکشم", "نه، نخوردم": no and the verb denied, nothing more
    r"نه،? (?:نمی[\u200c ]?\S{2,}|ن(?:کرد|خورد|کشید|داشت|رفت|دید|بود|زد)\S*))\s*[.!]?\s*$",
    re.IGNORECASE,
)
BARE_YES = re.compile(
    r"^\s*(?:yes|yeah|yep|yup|uh-huh|i do|i have|i did|sometimes|a little|a bit|بله|آره|آری|دارم|بله دارم)"
    r"(?:\s*[,.]\s*(?:i do|i have|sometimes|a little|a bit|دارم))?\s*[.!]?\s*$",
    re.IGNORECASE,
)
# a Persian lead-in before a yes or no: "راستش نه، …", "والا آره", "دکتر جان، نه"
FA_LEAD_IN = r"(?:(?:راستش|والا|والله|خب|ببخشید|(?:آقای\s+|خانم\s+)?دکتر(?:\s+جان)?)[\s,،]+)*"
FILLER_RE = re.compile(
    r"(?<![\w'])(?:um+|uh+|uhm|hmm+|mm-hmm|erm|you know|i mean|like,)(?![\w'])\s*,?\s*", re.IGNORECASE
)

# ------------------------------------------------------------------ symptoms → review of systems
ROS_SYSTEMS: dict[str, tuple[str, ...]] = {
    "Constitutional": (
        "fever", "fevers", "feverish", "chills", "fatigue", "tired", "weight loss", "weight gain", "night sweats",
        "weakness", "malaise", "appetite",
        "تب", "لرز", "خستگی", "خسته", "ضعف", "کاهش وزن", "تعریق شبانه", "بی‌اشتهایی", "بی اشتهایی",
    ),
    "Eyes": (
        "blurry vision", "blurred vision", "vision", "eye pain", "red eye", "red eyes", "eye discharge", "pink eye",
        "itchy eyes", "تاری دید", "قرمزی چشم", "ترشح چشم", "خارش چشم", "چشم درد", "چشمم قرمز",
        "حساسیت به نور", "دوبینی",
    ),
    "Ears, Nose, Mouth and Throat": (
        "sore throat", "runny nose", "congestion", "nasal congestion", "ear pain", "sinus", "pulling at her ear",
        "pulling at his ear", "pulling at her ears", "pulling at his ears", "tugging at her ear", "tugging at his ear",
        "hearing", "گلودرد", "گلو درد", "آبریزش بینی", "گوش درد", "گرفتگی بینی",
    ),
    "Cardiovascular": (
        "chest pain", "palpitations", "swelling", "edema", "chest pressure", "dyspnea on exertion",
        "درد قفسه سینه", "درد سینه", "تپش قلب", "ورم",
        # the heart said to beat fast, in the first or third person ("قلبم تند تند می‌زنه", "قلبش تند میزد")
        "قلبم تند می‌زنه", "قلبم تند تند می‌زنه", "قلبش تند می‌زنه", "قلبش تند تند می‌زنه", "قلبم تند می‌زد",
        "قلبم تند تند می‌زد", "قلبش تند می‌زد", "قلبم می‌کوبه", "قلبم تند شد", "تند تند زدن",
    ),
    "Respiratory": (
        "shortness of breath", "cough", "wheezing", "trouble breathing", "difficulty breathing",
        "short of breath", "sleep apnea", "سرفه", "تنگی نفس", "نفس تنگی", "خس خس",
        "نفسم تنگه", "نفسم تنگ", "نفسش تنگه", "نفسش تنگ", "نفس کم میارم", "نفسم بند میاد",
    ),
    "Gastrointestinal": (
        "diarrhoea", "nausea", "vomiting", "threw up", "throwing up", "thrown up", "throw up", "vomited", "nauseated", "nauseous", "diarrhea", "constipation", "abdominal pain", "stomach pain",
        "belly pain", "heartburn", "reflux", "blood in stool", "bloating", "sick to my stomach",
        "black stools", "black stool", "tarry stools", "bloody stools", "vomiting blood", "blood in my stool",
        "حالت تهوع", "تهوع", "استفراغ", "اسهال", "یبوست", "دل درد", "دل‌درد", "درد شکم", "سوزش معده",
        "سوزش سر دل", "سر دل", "ترش کردن", "ترش می‌کنم", "ترش میکنم", "ریفلاکس", "رفلاکس", "نفخ",
        "سوزش پشت جناغ", "سوزش سینه",
        "مدفوع سیاه", "استفراغ خونی", "خون بالا آوردن", "خون بالا آوردم", "بالا میارم", "بالا می‌آرم",
        "بالا آوردم", "بالا میاره", "بالا آورد", "بالا آورده",
    ),
    "Genitourinary": (
        "burning with urination", "painful urination", "blood in urine", "frequency", "urgency",
        "burns when i pee", "burning when i pee", "hurts when i pee", "burns when i urinate", "have to go all the time",
        "have to pee all the time", "blood in my urine", "pink on the tissue",
        "سوزش ادرار", "تکرر ادرار", "موقع ادرار می‌سوزه", "موقع ادرار کردن می‌سوزه", "درد پهلو",
        "موقع دستشویی سوزش", "موقع ادرار سوزش", "سوزش موقع ادرار", "سوزش موقع دستشویی",
        "موقع دستشویی رفتن می‌سوزه", "موقع دستشویی می‌سوزه", "موقع دستشویی کردن می‌سوزه", "موقع جیش می‌سوزه",
        "موقع جیش کردن می‌سوزه", "ادرارم می‌سوزه", "ادرار کردن می‌سوزه", "جیشم می‌سوزه",
    ),
    "Musculoskeletal": (
        "back pain", "joint pain", "knee pain", "muscle aches", "muscle pain", "neck pain",
        "shoulder pain", "hip pain", "stiffness", "کمردرد", "کمر درد", "درد مفاصل", "زانو درد", "گردن درد",
        "سفتی گردن", "کمرم گرفت", "کمرم گرفته", "کمرش گرفته", "گردنم گرفت", "گردنم گرفته",
    ),
    "Neurological": (
        "headache", "headaches", "dizziness", "dizzy", "numbness", "tingling", "trouble speaking",
        "lightheaded", "lightheadedness", "seizure", "syncope", "passing out", "memory",
        "سردرد", "سر درد", "سرگیجه", "گیج میره", "گیج می‌ره", "گیج می‌رود", "گیج رفت", "گیج می‌رفت", "گیج میرفت",
        "گیج می‌شم", "گیج میشم", "گیج می‌شه", "گیج میشه", "گیج شدم", "گیج شد", "بی‌حسی", "بی حسی", "گزگز", "تشنج",
        "سوزن سوزن", "سوزن‌سوزن", "غش", "سنگینی سر", "سرسنگینی", "سرم سنگینه", "سرم سنگین", "چشمم سیاهی می‌ره", "چشمم سیاهی میره",
        "چشمش سیاهی می‌ره", "چشمام سیاهی می‌ره", "سیاهی رفتن چشم",
    ),
    "Psychiatric": (
        "depression", "anxiety", "suicidal", "homicidal", "mood", "sleep", "insomnia", "anxious", "depressed",
        "feeling down", "feeling really down", "feeling so down", "feeling low", "panic attacks", "panic attack",
        "افسردگی", "اضطراب", "بی‌خوابی", "بی خوابی", "استرس", "خوابم نمی‌بره", "خوابم نمیبره", "حمله پانیک", "خواب ندارم", "خواب نداره", "نمی‌تونم بخوابم", "نمیتونم بخوابم",
    ),
    "Skin": ("rash", "itching", "itchy", "bruising", "lesion", "wound", "hives", "جوش", "خارش", "بثورات", "کهیر",
             "ورم لب و زبون", "ورم لب و زبان", "ورم لب", "ورم صورت"),
}  # fmt: skip

FA_SYMPTOM_EN = {
    "سردرد": "headache", "سر درد": "headache", "تب": "fever", "سرفه": "cough", "تهوع": "nausea",
    "حالت تهوع": "nausea", "استفراغ": "vomiting", "اسهال": "diarrhea", "تنگی نفس": "shortness of breath",
    "درد قفسه سینه": "chest pain", "سرگیجه": "dizziness", "خستگی": "fatigue", "گلودرد": "sore throat",
    "کمردرد": "back pain", "دل درد": "abdominal pain", "درد شکم": "abdominal pain",
    "سوزش سر دل": "heartburn", "سر دل": "epigastric discomfort", "ترش کردن": "reflux", "ترش می‌کنم": "reflux",
    "ترش میکنم": "reflux", "ریفلاکس": "reflux", "رفلاکس": "reflux", "نفخ": "bloating",
    "بالا میارم": "vomiting", "بالا می‌آرم": "vomiting", "بالا آوردم": "vomiting", "بالا میاره": "vomiting",
    "کهیر": "hives", "خسته": "fatigue", "گیج میره": "dizziness", "گیج می‌ره": "dizziness", "گیج می‌رود": "dizziness",
    **{t: "dizziness" for t in ("گیج رفت", "گیج می‌رفت", "گیج میرفت", "گیج می‌شم", "گیج میشم", "گیج می‌شه", "گیج میشه",
                            "گیج شدم", "گیج شد")},
    **{t: "insomnia" for t in ("خواب ندارم", "خواب نداره", "نمی‌تونم بخوابم", "نمیتونم بخوابم", "بی‌خوابی", "بی خوابی")},
    "مدفوع سیاه": "black stools", "استفراغ خونی": "vomiting blood", "خون بالا آوردن": "vomiting blood",
    "خون بالا آوردم": "vomiting blood", "سوزش معده": "heartburn", "کاهش وزن": "weight loss",
    "استرس": "anxiety", "خوابم نمی‌بره": "insomnia", "خوابم نمیبره": "insomnia", "نفس تنگی": "shortness of breath",
    "موقع ادرار می‌سوزه": "painful urination", "موقع ادرار کردن می‌سوزه": "painful urination", "درد پهلو": "flank pain",
    "سوزن سوزن": "tingling", "سوزن‌سوزن": "tingling", "گزگز": "tingling", "بی‌حسی": "numbness", "بی حسی": "numbness", "حمله پانیک": "panic attacks", "قرمزی چشم": "red eye", "ترشح چشم": "eye discharge",
    "خارش چشم": "itchy eyes", "چشم درد": "eye pain", "چشمم قرمز": "red eye", "سوزش پشت جناغ": "heartburn",
    "سوزش سینه": "heartburn", "بالا آورد": "vomiting", "بالا آورده": "vomiting", "حساسیت به نور": "photophobia",
    "سفتی گردن": "neck stiffness", "سنگینی سر": "headache", "سرسنگینی": "headache", "سرم سنگینه": "headache", "سرم سنگین": "headache",
    "غش": "syncope", "دوبینی": "double vision", "موقع دستشویی سوزش": "painful urination",
    "موقع ادرار سوزش": "painful urination", "سوزش موقع ادرار": "painful urination",
    "سوزش موقع دستشویی": "painful urination", "نفسم تنگه": "shortness of breath", "نفسم تنگ": "shortness of breath",
    "نفسش تنگه": "shortness of breath", "نفسش تنگ": "shortness of breath", "نفس کم میارم": "shortness of breath",
    "نفسم بند میاد": "shortness of breath", "کمرم گرفت": "back pain", "کمرم گرفته": "back pain",
    "کمرش گرفته": "back pain", "گردنم گرفت": "neck pain", "گردنم گرفته": "neck pain",
    "چشمم سیاهی می‌ره": "lightheadedness", "چشمم سیاهی میره": "lightheadedness",
    "چشمش سیاهی می‌ره": "lightheadedness", "چشمام سیاهی می‌ره": "lightheadedness",
    "سیاهی رفتن چشم": "lightheadedness", "موقع دستشویی رفتن می‌سوزه": "painful urination",
    "موقع دستشویی می‌سوزه": "painful urination", "موقع دستشویی کردن می‌سوزه": "painful urination",
    "موقع جیش می‌سوزه": "painful urination", "موقع جیش کردن می‌سوزه": "painful urination",
    "ادرارم می‌سوزه": "painful urination", "ادرار کردن می‌سوزه": "painful urination", "جیشم می‌سوزه": "painful urination",
}  # fmt: skip

CANONICAL_EN = {
    "sick to my stomach": "nausea", "short of breath": "shortness of breath", "dizzy": "dizziness",
    "tired": "fatigue", "itchy": "itching", "lightheaded": "lightheadedness", "fevers": "fever",
    "headaches": "headache", "belly pain": "abdominal pain", "stomach pain": "abdominal pain",
    "passing out": "syncope", "sleep": "sleep problems", "vision": "vision changes", "memory": "memory problems",
    "burns when i pee": "painful urination", "burning when i pee": "painful urination",
    "hurts when i pee": "painful urination", "burns when i urinate": "painful urination",
    "have to go all the time": "urinary frequency", "have to pee all the time": "urinary frequency",
    "blood in my urine": "blood in urine", "pink on the tissue": "blood in urine",
    "diarrhoea": "diarrhea", "black stool": "black stools", "tarry stools": "black stools", "blood in my stool": "blood in stool",
    "pulling at her ear": "ear pulling", "pulling at his ear": "ear pulling", "pulling at her ears": "ear pulling",
    "pulling at his ears": "ear pulling", "tugging at her ear": "ear pulling", "tugging at his ear": "ear pulling",
    "red eyes": "red eye", "pink eye": "red eye",
    "anxious": "anxiety", "depressed": "low mood", "feeling down": "low mood", "feeling really down": "low mood",
    "feeling so down": "low mood", "feeling low": "low mood", "panic attack": "panic attacks",
    "mood": "mood changes", "hearing": "hearing changes", "appetite": "appetite changes", "sinus": "sinus problems", "threw up": "vomiting", "throwing up": "vomiting", "thrown up": "vomiting", "throw up": "vomiting", "vomited": "vomiting", "nauseated": "nausea", "nauseous": "nausea", "feverish": "fever", "trouble breathing": "shortness of breath", "difficulty breathing": "shortness of breath",
}  # fmt: skip


def canonical_symptom(term: str) -> str:
    low = term.lower()
    return CANONICAL_EN.get(low) or FA_SYMPTOM_EN.get(low) or FA_SYMPTOM_EN.get(_fa_term_key(low)) or low


# Persian symptoms said as a verb, named as a symptom in the note ("ترش می‌کنم" → "ترش کردن")
_FA_SYMPTOM_NAMES = {
    "ترش می‌کنم": "ترش کردن", "ترش میکنم": "ترش کردن", "خون بالا آوردم": "استفراغ خونی",
    "خون بالا آوردن": "استفراغ خونی", "سر دل": "ناراحتی سر دل", "خسته": "خستگی", "گیج میره": "سرگیجه",
    "گیج می‌ره": "سرگیجه", "گیج می‌رود": "سرگیجه", "گیج رفت": "سرگیجه", "گیج می‌رفت": "سرگیجه",
    "گیج میرفت": "سرگیجه", "گیج می‌شم": "سرگیجه", "گیج میشم": "سرگیجه", "گیج می‌شه": "سرگیجه", "گیج میشه": "سرگیجه",
    "گیج شدم": "سرگیجه", "گیج شد": "سرگیجه", "خواب ندارم": "بی‌خوابی", "خواب نداره": "بی‌خوابی",
    "نمی‌تونم بخوابم": "بی‌خوابی", "نمیتونم بخوابم": "بی‌خوابی", "خوابم نمی‌بره": "بی‌خوابی", "خوابم نمیبره": "بی‌خوابی",
    "نفس تنگی": "تنگی نفس", "موقع ادرار می‌سوزه": "سوزش ادرار", "موقع ادرار کردن می‌سوزه": "سوزش ادرار",
    "سوزن سوزن": "گزگز", "سوزن‌سوزن": "گزگز", "چشمم قرمز": "قرمزی چشم", "موقع دستشویی سوزش": "سوزش ادرار",
    "موقع ادرار سوزش": "سوزش ادرار", "سوزش موقع ادرار": "سوزش ادرار", "سوزش موقع دستشویی": "سوزش ادرار", "بالا آورد": "استفراغ", "بالا آورده": "استفراغ",
    "سرم سنگینه": "سنگینی سر", "سرم سنگین": "سنگینی سر", "سرسنگینی": "سنگینی سر", "بالا میارم": "استفراغ", "بالا می‌آرم": "استفراغ",
    "بالا آوردم": "استفراغ", "بالا میاره": "استفراغ", "ورم لب و زبون": "ورم لب و زبان",
    "نفسم تنگه": "تنگی نفس", "نفسم تنگ": "تنگی نفس", "نفسش تنگه": "تنگی نفس", "نفسش تنگ": "تنگی نفس",
    "نفس کم میارم": "تنگی نفس", "نفسم بند میاد": "تنگی نفس", "کمرم گرفت": "کمردرد", "کمرم گرفته": "کمردرد",
    "کمرش گرفته": "کمردرد", "گردنم گرفت": "گردن درد", "گردنم گرفته": "گردن درد",
    "چشمم سیاهی می‌ره": "سیاهی رفتن چشم", "چشمم سیاهی میره": "سیاهی رفتن چشم",
    "چشمش سیاهی می‌ره": "سیاهی رفتن چشم", "چشمام سیاهی می‌ره": "سیاهی رفتن چشم",
    "موقع دستشویی رفتن می‌سوزه": "سوزش ادرار", "موقع دستشویی می‌سوزه": "سوزش ادرار",
    "موقع دستشویی کردن می‌سوزه": "سوزش ادرار", "موقع جیش می‌سوزه": "سوزش ادرار",
    "موقع جیش کردن می‌سوزه": "سوزش ادرار", "ادرارم می‌سوزه": "سوزش ادرار", "ادرار کردن می‌سوزه": "سوزش ادرار",
    "جیشم می‌سوزه": "سوزش ادرار",
    "قلبم تند می‌زنه": "تپش قلب", "قلبم تند تند می‌زنه": "تپش قلب", "قلبش تند می‌زنه": "تپش قلب",
    "قلبش تند تند می‌زنه": "تپش قلب", "قلبم تند می‌زد": "تپش قلب", "قلبم تند تند می‌زد": "تپش قلب",
    "قلبش تند می‌زد": "تپش قلب", "قلبم می‌کوبه": "تپش قلب", "قلبم تند شد": "تپش قلب", "تند تند زدن": "تپش قلب",
}  # fmt: skip


def fa_symptom_name(term: str) -> str:
    return _FA_SYMPTOM_NAMES.get(term) or _FA_SYMPTOM_NAMES.get(_fa_term_key(term), term)


_SYMPTOM_TO_SYSTEM = {term: system for system, terms in ROS_SYSTEMS.items() for term in terms}
# A Persian term may carry a possessive or plural ending ("تبتون چقدر بوده؟", "تبش"); the match is
# the term itself. Words that are a term plus an ending but mean something else are left alone
# ("لرزش" is a tremor, not "his chills").
# (the colloquial plural "ا" too: "سردرداتون")
_FA_ENDING = (
    r"(?:(?<=[\u0600-\u06FF])\u200c?(?:های|ها|ا(?:تون|شون|مون|ت|ش|م)?|مون|تون|شون|مان|تان|شان|م|ت|ش))?"
)
_FA_OTHER_WORDS = (
    r"(?!(?:لرزش|جوشش|تبت)(?![\w]))(?!خسته\s+(?:نباشید|نباشی|نباشین)|خسته\s+شدم\s+از|خسته[\u200c ]?کننده)"
)
# a Persian verb's "می" is typed joined, with a half-space or with a space ("میسوزه", "می‌سوزه", "می سوزه"),
# and an intensifier may stand before it ("موقع دستشویی خیلی میسوزه"): a term said with a verb matches all
_FA_INTENSIFIER = r"(?:خیلی|یه کم|یکم|کمی|بدجور|همش)"


def _term_pattern(term: str) -> str:
    pattern = re.escape(term)
    if "می\u200c" in term:
        pattern = re.sub(
            r"(?:\\ )?می\u200c",
            lambda m: (
                (r"\s+(?:" + _FA_INTENSIFIER + r"\s+)?" if m.group(0).startswith("\\") else "")
                + "می[\u200c ]?"
            ),
            pattern,
        )
    return pattern


def _fa_term_key(term: str) -> str:
    """The lexicon's spelling of a Persian term as said ("موقع دستشویی خیلی میسوزه" → "موقع دستشویی می‌سوزه")."""
    key = re.sub(r"\s+" + _FA_INTENSIFIER + r"(?=\s)", "", term)
    return re.sub(r"(?<![^\W\d_])می[\u200c ]?(?=[^\W\d_])", "می\u200c", key)


SYMPTOM_RE = re.compile(
    r"(?<![\w])"
    + _FA_OTHER_WORDS
    + r"(?:"
    + "|".join(_term_pattern(t) for t in sorted(_SYMPTOM_TO_SYSTEM, key=len, reverse=True))
    + rf")(?={_FA_ENDING}(?![\w]))",
    re.IGNORECASE,
)


def symptom_system(term: str) -> str:
    low = term.lower()
    return _SYMPTOM_TO_SYSTEM.get(low) or _SYMPTOM_TO_SYSTEM.get(_fa_term_key(low), "Constitutional")


# ------------------------------------------------------------------ exam systems
EXAM_SYSTEMS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(pat, re.IGNORECASE))
    for name, pat in (
        ("Cardiovascular", r"heart|murmur|cardiac|pulses|regular rate|rhythm|gallop|edema|قلب|سوفل"),
        ("Respiratory", r"lung|breath sounds|wheez|crackles|rales|rhonchi|auscultation|ریه"),
        ("Gastrointestinal", r"abdomen|abdominal|belly|bowel sounds|tender(?:ness)? .*quadrant|شکم"),
        ("Neurological", r"neuro|reflex|strength|sensation|cranial nerve|gait|عصبی"),
        ("Musculoskeletal", r"knee|shoulder|hip|ankle|wrist|elbow|spine|range of motion|joint|effusion|زانو"),
        ("Skin", r"skin|rash|wound|incision|lesion|erythema|پوست"),
        ("Head, Ears, Eyes, Nose, and Throat", r"throat|ears?|eyes?|pupils|tympanic|nose|sinus|گلو|گوش|چشم"),
        ("Neck", r"neck|thyroid|lymph|carotid|گردن"),
        ("Constitutional", r"distress|appears|well-appearing|alert"),
    )
)


def exam_system(text: str) -> str:
    for name, pat in EXAM_SYSTEMS:
        if pat.search(text):
            return name
    return "General"


# ------------------------------------------------------------------ sections by cue words
# Getting help, as advice says it: a plan cue and a follow-up cue alike.
_GET_HELP = (
    r"go (?:straight )?to (?:the )?(?:emergency|er|urgent care|hospital|labor and delivery)|call (?:911|988|999|112|115)|"
    r"call nine[- ]one[- ]one|call 9-1-1|call (?:an|the) ambulance|"
    r"call (?:us|me|the (?:office|clinic))|"
    r"tell the nurse"
)
#: the dosage forms a Persian prescription names ("قرص متوکاربامول", "شربت آزیترومایسین")
FA_DOSAGE_FORM = r"(?:قرص|کپسول|شربت|آمپول|پماد|قطره|اسپری)"

# Persian names of lab tests (a value after one is a result; a list of them after "می‌نویسم" is an order)
_FA_LABS = (
    r"(?:هموگلوبین|فریتین|تی[\u200c ]?اس[\u200c ]?اچ|TSH|T4|MCV|کراتینین|پتاسیم|سدیم|قند ناشتا|"
    r"HbA1c|A1c|ای[\u200c ]?وان[\u200c ]?سی|کلسترول|تری[\u200c ]?گلیسی?رید|ال[\u200c ]?دی[\u200c ]?ال|LDL|HDL|پلاکت|"
    r"اچ[\u200c ]?دی[\u200c ]?ال|ALT|AST|"
    r"گلبول سفید|WBC|ESR|CRP|سی[\u200c ]?آر[\u200c ]?پی|ویتامین د)"
)
CUES: dict[str, re.Pattern[str]] = {
    k: re.compile(v, re.IGNORECASE)
    for k, v in {
        # "i see you have a history of …", "i note that …": reading the chart, not examining
        "exam": r"\b(?:on (?:physical )?exam(?:ination)?|i (?:do )?(?:hear|feel|appreciate|"
        r"(?:see|note)(?! (?:that )?you\b| here\b| in (?:your|the|my) (?:chart|records?|notes?)\b| from (?:your|the)\b))\b|"
        r"your (?:lungs|heart|abdomen|belly|knee|throat|ears?) (?:sound|look|is|are)|"
        r"(?:lungs|heart) (?:are|is|sound)|tender(?:ness)? to palpation|range of motion|murmur|"
        r"^\W*(?:(?:and|the|her|his|your)\s+)?(?:lungs (?:are )?clear|(?:abdomen|belly) (?:is )?soft|heart (?:is )?regular)\b|"
        r"let me (?:take a look|examine|listen|feel)|press(?:ing)? (?:here|on)|"
        r"there(?:'s| is) (?:some |mild |moderate |a little |significant )?(?:swelling|bruising|tenderness|redness|erythema|"
        r"effusion|warmth|crepitus)|"
        r"(?:temperature|pulse|heart rate|oxygen(?: level| saturation)?|vitals?|vital signs) (?:is|are|was|were) "
        r"(?:normal|fine|good|stable|unremarkable)|"
        r"\w+ exam(?:ination)? (?:is|was) (?:normal|unremarkable))|معاینه|حساسیت\s+(?:زاویه|در لمس|به لمس|ناحیه|شکم)|"
        # tenderness on a place: "روی مثانه یه کم حساسیت هست"
        r"(?<![^\W\d_])روی\s+\S+(?:\s+\S+){0,3}?\s+حساسیت",
        "result": r"\b(?:x-ray|xray|mri|ct scan|cat scan|ultrasound|echo(?:cardiogram)?|ekg|ecg|"
        r"lab(?:s| work| results)?|blood work|hemoglobin|a1c|cholesterol|results? (?:show|came|were)|"
        r"came back|showed|revealed|demonstrat|dipstick|urinalysis|urine test|rapid strep|strep test|swab (?:is|was|came)|"
        r"phq-?\s?[29]|gad-?\s?7|(?:your |the )?(?:questionnaire |screening )?score (?:is|was|of)|scored|"
        r"urine dip|dip(?:stick)? (?:is|was|shows?|showed)|nitrites|leukocytes|peak flows?|ketones|ferritin|tsh|"
        r"free t4|creatinine|potassium (?:is|was|of|level)|sodium (?:is|was|of|level)|ldl|hdl|triglycerides|platelets|"
        r"white (?:blood )?count|(?:full )?blood count|wbc|esr|crp|psa|e?gfr|mcv)|"
        # Persian lab values: "هموگلوبین‌تون ۹.۲ه"، "TSH شما ۸.۴ است"، "فریتین ۶ هست"
        r"(?<![^\W\d_])" + _FA_LABS + r"(?:[\w\u200c]*)(?:\s+\S+){0,3}?\s*[\d۰-۹]|"
        r"آزمایش|سونوگرافی|عکس|نتیجه",
        "plan": r"\b(?:i(?:'m| am) (?:also |just |then )?going to|i'll|i will|we(?:'re| are) (?:also |just )?going to|we'll|we will|let's|"
        r"i want (?:you|to)|i(?:'d| would) (?:also |just )?like (?:you|to)(?! know| ask| hear| understand)|prescribe|refer|order|schedule|"
        r"(?:is|are|he's|she's|you're) (?:also )?due for|we could (?:also )?(?:do|give|start|try|put|send|refer|get)|"
        r"i could (?:also )?(?:put|start|give|send|try|refer|order|prescribe|get)|(?:one|another|the other) option (?:is|would be)|"
        r"follow[- ]?up|come back|see you (?:in|back)|continue|start (?:you|on)|increase|decrease|"
        r"stop taking|recommend|should|(?:the )?plan (?:is|will be)|"
        + _GET_HELP
        + r"|seek (?:medical )?(?:care|attention)|check (?:your|his|her) \w+(?: \w+)? (?:every|each|daily|twice|once|at home)|"
        r"(?:we|you) (?:may|might|will|'ll) need (?:an? |to (?:get|have|start|see|do)\b))|"
        # advice given as an order ("avoid alcohol", "drink plenty of fluids"); not the exam's "take a
        # deep breath" or "keep your eyes on my finger" (a medicine to take is PRESCRIBE's)
        r"^\W*(?:please )?(?:avoid|drink|rest|apply|make sure)\b|"
        r"تجویز|شروع|ادامه|مراجعه|برگرد|پیگیری|آزمایش بده|"
        # Persian orders and instructions: "باید سونوگرافی انجام بدید", "ارجاع می‌دهم", "چیزی نخورید";
        # not the exam's "نفس عمیق بکشید", "دراز بکشید", or "باید بپرسم" (I have to ask)
        r"(?<!\S)(?:باید(?!\s+(?:بپرسم|ببینم|معاینه|نگاه|گوش|بگم|بدونم))|ارجاع|درخواست می|می[\u200c ]?نویسم|"
        r"انجام بد(?:ید|هید|ین|یم)|[بن](?:خور|گیر|زن|مال|یا|نوش)(?:ید|ین|یید|ئید)|[بن](?:خور|زن|مال|نوش)|مراجعه کن|"
        # "بهتره یه سرم بزنیم", "یه آزمایش بگیریم": what we will do
        r"ب(?:زن|گیر|نویس|فرست)یم|بفرستم(?:ت|تون|تان|ش)?|"
        r"بیار(?:ید|ین)ش?|"
        # "پیاده‌روی کنید", "بار سنگین بلند نکنید", "کیسه آب گرم بذارید", "فوری برید زایشگاه"; not the exam's
        # "دهانتون رو باز کنید" or "نگاه کنید"
        r"(?<!باز )(?<!نگاه )(?<!صبر )ن?(?:کنید|کنین)|بذارید|بذارین|بگذارید|برید|بیاید|بیاین|"
        r"مصرف کن|"
        # more advice as an order: "او آر اس بهش بدین", "خبر بدید", "نگران نباشید", "یه دفترچه بنویسید",
        # "اول بشینید لبه تخت بعد وایسید"; and what the doctor hands over: "یه برگه بهتون میدم"
        r"[بن](?:د|ده|نویس|شین|نشین|پوش|مون|شور|ذار|بر)(?:ید|ین)(?:ش|شون)?|نباشید|نباشین|پاشید|پاشین|وایسید|وایسین|"
        r"(?:بهت|بهتون|بهش|براتون|براش)\s+می[\u200c ]?دم)(?!\w)|"
        # advice said without a verb: "نمک کم، روزی سی دقیقه پیاده روی"
        r"(?:^|[،,]\s*)(?:نمک|شکر|قند|چربی|چای|قهوه|نوشابه)\s+کم(?=\s*(?:[،,.!]|$))|"
        r"(?<![^\W\d_])(?:روزی|هفته‌ای|هفته ای)\s+(?:\S+\s+){1,3}دقیقه\s+(?:پیاده[\u200c ]?روی|ورزش|نرمش)|"
        # "آبمیوه صنعتی و نوشابه نه": none of these
        r"^[^.؟?]{2,40}\s(?:و|یا)\s+\S+(?:\s+\S+)?\s+نه\W*$|"
        # an ordered test: "یه آزمایش خون هم بدید", "کشت ادرار بدید"; no imaging: "عکس لازم نیست"
        r"(?:آزمایش|کشت|نوار قلب|عکس|سونوگرافی|ام[\u200c ]?آر[\u200c ]?آی|سی[\u200c ]?تی|تی اس اچ)[^.؟?]*"
        r"(?:بدید|بدهید|بدین|بگیرید|بگیرین|لازم نیست|نیازی نیست)(?![^\W\d_])|"
        # what is not given, as decided: "آنتی‌بیوتیک لازم نیست", "به خاطر حساسیتتون ... بهتون نمیدم"
        r"(?<![^\W\d_])(?:لازم نیست|نیازی نیست|نیاز نیست|نمی[\u200c ]?(?:دم|دیم|نویسم|نویسیم)|"
        r"کمکی نمی[\u200c ]?کنه|کمکی نمی[\u200c ]?کند)(?![^\W\d_])",
        "assessment": r"\b(?:(?:this|it) (?:looks|sounds|seems) like|(?:my )?(?:assessment|impression) is|i think (?:you|it|this|that)|"
        r"consistent with|diagnos|most likely|you have (?:a|an)|my impression|suggestive of|"
        r"in terms of your|for your)|تشخیص|به نظر می‌?رسد|احتمالا",
        # not a tenderness ("حساسیت در لمس", "روی مثانه حساسیت هست") nor a sense ("حساسیت به نور")
        # (not a medicine for allergies: "the allergy one", "allergy tablets")
        "allergy": r"\ballerg(?!y (?:ones?|tablets?|pills?|medicines?|medication|spray|drops|syrup|liquid)\b)|(?<!روی )(?<!یه کم )(?<!کمی )"
        r"حساسیت(?!\s+(?:زاویه|در لمس|به لمس|ناحیه|شکم|به\s+(?:نور|صدا|بو|لمس|سرما|گرما)(?![^\W\d_])))|آلرژی",
        "family_history": r"\b(?:(?:my|your) (?:mom|mother|dad|father|brother|sister|parents|family|"
        r"grand\w+|aunt|uncle)|family history|runs in (?:the|my|your) family)|خانواده|"
        r"(?<![^\W\d_])(?:پدر|مادر|برادر|خواهر|پدربزرگ|مادربزرگ|عمو|عمه|خاله|دایی|مامان|بابا|داداش|آبجی)"
        # (not "… مادر." said to the patient: "آب زیاد نمی‌خورم مادر.", "مادر جان")
        r"(?:(?:م|ت|ش|تون|تان|شون|شان)(?![^\W\d_])|(?![^\W\d_])(?!\s*(?:[.!]|$)))(?!\s+جان)",
        "social_history": r"\b(?:(?:non-?)?smok\w*|cigarette|alcohol|drink(?:s|ing)? (?:alcohol|beer|wine)|"
        r"beers?|wine|drugs|marijuana|exercise|work(?:ing)? as|married|live(?:s)? with|job|"
        r"hiking|walking|(?:on )?(?:maternity|paternity) leave|retired)|سیگار|الکل|ورزش",
        "past_history": r"\b(?:history of|diagnosed with|i've had|surgery|operation|hospitali[sz]ed|"
        r"in the past|years ago|medical (?:problems|conditions|history))|سابقه|جراحی|عمل|"
        r"لوله\S*\s+(?:رو\s+|را\s+)?بست",  # "لوله‌هامم بستم": a tubal ligation
        "medication": r"\b(?:i take|i(?:'m| am) (?:on|taking)|medications?|meds|pills?|mg|milligrams?|"
        r"prescription)|(?<![^\W\d_])(?:دارو|قرص)|میلی‌?گرم",  # (not "خداروشکر")
        "test": r"\bcheck(?:ing)? (?:a |an |your |the |her |his )?(?:[a-z0-9]+ ){0,3}?(?:level|levels|function|panel|count)\b|"
        r"\b(?:bone density|dexa|colonoscopy) (?:scan|test)?|"
        r"\b(?:order(?:ing)?|get(?:ting)?|check(?:ing)?|draw(?:ing)?|repeat(?:ing)?|need|send) (?:you |him |her )?(?:a |an |some |your |the |her |his )?"
        r"(?:x-ray|mri|ct|ultrasound|labs?|blood ?work|echo\w*|ekg|ecg|troponin|d-dimer|chest x-ray|cbc|panel|test|"
        r"culture|a1c|urinalysis|mammogram)|آزمایش|سونوگرافی|"
        r"عکس|رادیولوژی|ام[\u200c ]?آر[\u200c ]?آی|سی[\u200c ]?تی|نوار قلب|اکو|(?<![^\W\d_])کشت(?![^\W\d_])|"
        # the tests listed after "I'll write": "برای سه ماه دیگه می‌نویسم: قند ناشتا، A1c، چربی‌ها"
        r"می[\u200c ]?نویسم\s*:\s*" + _FA_LABS,
        "referral": r"\brefer|specialist|physical therapy|physiotherapy|see (?:a|the) (?:cardiologist|neurologist|"
        r"specialist|surgeon|dermatologist)|ارجاع|متخصص|فیزیوتراپی|بفرستم|"
        # "یه معرفی‌نامه هم برای چشم‌پزشکی", "معرفی‌نامه برای روان‌شناس می‌دم", "معرفیتون می‌کنم به …"
        r"معرفی[\u200c ]?نامه|معرفی(?:ت|تون)\s|(?:برای|به|پیش)\s+(?:یه\s+)?(?:روان[\u200c ]?شناس|روان[\u200c ]?پزشک|چشم[\u200c ]?پزشک|"
        r"دندون[\u200c ]?پزشک|دندان[\u200c ]?پزشک|متخصص|جراح|مشاور|کاردیولوژیست)",
        # (not a topic taken up later in the talk: "we'll come back to that")
        "follow_up": r"\b(?:follow[- ]?up|come back(?! to (?:that|this|it|those|these)\b)|see you (?:back|again|in)|return (?:in|if)|re-?check (?:\w+ ){0,3}in\b|"
        r"check back|in (?:\w+ )?(?:days?|weeks?|months?) (?:time|to see)|" + _GET_HELP + r")|"
        r"مراجعه|پیگیری|برگرد|اورژانس|زایشگاه|"
        r"بیار(?:ید|ین)ش?|"
        # "شش هفته دیگه دوباره ببینمتون", "یه ماه دیگه بیا"
        r"(?:دوباره|مجدد[اًا]?)\s+(?:ببینم|ببینمت|ببینمتون|ببینیم|بیا|بیاید|بیاین)|"
        r"(?:روز|هفته|ماه)\s+(?:دیگه|دیگر|بعد)\s+(?:\S+\s+)?(?:بیا|بیاید|بیاین|ببینم|ببینمت|ببینمتون|ببینیم)",
    }.items()
}
# A Persian finding: a body part and what it looks, sounds or feels like ("لوزه‌ها قرمز و متورم
# هستند", "ریه‌ها صاف است"); whole words only ("بینی" is not inside "میبینی"). Advice and
# conditions that name the same words are not findings (``FA_NOT_FINDING``).
FA_FINDING = re.compile(
    r"(?<![^\W\d_])(?:گلو|لوزه|حلق|ریه|قلب|شکم|گوش|پرده|زانو|مچ|پوست|گردن|غدد|غده|چشم|بینی|سینه|"
    r"کمر|ستون فقرات|مفصل|زخم|پا|پاها|عضلات|قدرت|رفلکس|تست|زبون|زبان|دست|حرکات|تیروئید|صداهای روده|زاویه|"
    r"سینوس|پیشونی|پیشانی|گونه|ملتحمه|رنگ|صورت|لثه|ناخن|لب|دهان|دهن|مخاط)[\w\u200c]*(?:\s+\S+){0,8}?\s+"
    r"(?:قرمز|متورم|صاف|طبیعی|نرمال|سالم|حساس|ملتهب|چرکی|تمیز|نرم|خس[\u200c ]?خس|تورم|کبود|سوفل|ترشح|قرمزی|"
    r"برآمده|مثبت|منفی|درد در لمس|پاک|سفت|سفتی|ادم|محدود|دردناک|اسپاسم|خشک|بزرگ|لرزش|حساسیت|ورم|پریده|"
    r"خرچ[\u200c ]?خرچ|زرد|زیاد|کم|مرطوب)(?:ه|ند|اند|[\u200c ]?ست)?(?![^\W\d_])|"
    # a sign looked for and not found: "ورم پا ندارید", "ندول لمس نمیشه", "تاول یا پوسته ریزی نیست"
    r"(?<![^\W\d_])(?:ورم پا|ادم|لرزش|ندول|تاول|پوسته[\u200c ]?ریزی|توده|سوفل|زردی|کبودی|توکشیدگی|رتراکسیون|سیانوز)[\w\u200c]*"
    r"(?:\s+\S+){0,2}?\s+(?:ندارید|ندارین|نداره|ندارد|نیست|دیده نمی[\u200c ]?شه|لمس نمی[\u200c ]?شه)(?![^\W\d_])|"
    # a sound heard: "سوفل خفیفی شنیده میشه", "خس خس سمع میشه", "دو طرف خس‌خس بازدمی هست"
    r"(?<![^\W\d_])(?:سوفل|خس[\u200c ]?خس|رال|ویزینگ)[\w\u200c]*(?:\s+\S+){0,3}?\s+"
    r"(?:شنیده|سمع|هست|داره|دارد|دارید|داریم)(?![^\W\d_])"
)
FA_NOT_FINDING = re.compile(r"(?<![^\W\d_])(?:اگر|اگه|در صورت|نگه دار|بشویید|بشورید)")


# A hedged judgement is an assessment only when it names a condition: "this could be a pulmonary
# embolism", "به نظرم اوتیت است"; not "it might be a good idea to ...", "به نظرم بهتره استراحت کنید".
HEDGED_ASSESSMENT = re.compile(
    r"\b(?:(?:this|it) (?:could|might|may) be|(?:less|more) likely|i'm (?:worried|concerned) about|rule out)\b|"
    r"به نظرم|به نظر من",
    re.IGNORECASE,
)


CHIEF_Q = re.compile(
    r"what brings you|what can i do for you|how can i help|what's going on|what seems to be|"
    r"tell me (?:about|what)|reason for (?:your|the) visit|چه مشکلی|چه کمکی|مشکلتون|چی شده",
    re.IGNORECASE,
)
SMALL_TALK = re.compile(
    r"^(?:hi|hello|hey|good (?:morning|afternoon|evening)|thank(?:s| you)|bye|okay|ok|alright|all right|"
    r"great|nice|sure|right|yes|yeah|yep|no|mm-hmm|uh-huh|hmm|perfect|awesome|cool|wonderful|"
    r"سلام|خداحافظ|ممنون|مرسی|باشه|خب|خوب)\b[\s,.!?]*$",
    re.IGNORECASE,
)
_WORD = re.compile(r"\w+")
# a whole sentence of greeting, thanks or "how are you" (with at most a name, or a title and a
# name, after a greeting: "hello doctor smith", "سلام آقای دکتر", "سلام، خسته نباشید")
_TITLE = r"(?:doctor|doc|dr\.?|mr\.?|mrs\.?|ms\.?|miss|sir|ma'am)(?:\s+\w+)?|\w+"
_FA_TITLE = (
    r"(?:(?:آقای|خانم)\s+)?دکتر(?:\s+\S+)?|(?:مادر|پدر|حاج ?خانم|حاج ?آقا|خاله|عمو)\s+جان|(?:آقای|خانم)\s+\S+|"
    r"حاج ?خانم|حاج ?آقا|\S+"
)
_FA_HELLO = (
    r"(?:سلام|وقت(?:تون|تان)? بخیر|روز(?:تون)? بخیر|صبح(?:تون)? بخیر|عصر(?:تون)? بخیر|خسته نباشید|"
    r"خوش (?:اومدین|اومدید|آمدید))"
)
_GREETING = re.compile(
    r"^\W*(?:(?:hi|hello|hey|so|well|oh|okay|ok|yeah|good|great|and)[\s,.!]+)*(?:"
    r"(?:i'm|i am|i've been|we're|doing) (?:doing )?(?:well|good|great|fine|okay|alright|all right|pretty good)"
    r"(?:,? thanks?(?: you)?)?|how (?:are|have) you(?: been| doing)?(?: today)?|how about you|what about you|"
    r"and you|how's it going|nice to (?:meet|see) you(?: too| as well)?|good to see you(?: too| again)?|"
    r"(?:understood[\s,.!]+)?thank(?:s| you)(?: so much| very much)?(?:,? (?:doctor|doc|dr\.?(?: \w+)?))?|you're welcome|have a (?:good|great|nice) (?:day|one|weekend)|"
    r"(?:i'm|i am|my name is) (?:dr\.?|doctor)(?: \w+)?|"
    rf"(?:hi|hello|hey|good (?:morning|afternoon|evening))(?:[\s,]+(?:{_TITLE}))?|"
    rf"{_FA_HELLO}(?:[\s,،]+(?:{_FA_TITLE}))?(?:[\s,،.!]+{_FA_HELLO})*(?:[\s,،.!]+بفرمایی[دن](?: بشینی[دن]| بنشینی[دن])?)?|"
    rf"(?:{_FA_HELLO}[\s,،.!]+(?:(?:آقای|خانم)\s+\S+[\s,،.!]+)?)?(?:شما\s+)?(?:چطورید|چطوری|خوبید|خوب هستید|خوبی)|"
    r"خداحافظ|ممنون(?:م)?|مرسی|خوبم|حالتون چطوره|حال شما چطوره)\W*$|"
    # Persian thanks and blessings, with a greeting and a title around them: "سلام خانم دکتر، ممنون",
    # "دستتون درد نکنه خانم دکتر", "ممنون دکتر، خدا خیرتون بده", "شکر خدا، می‌گذرونیم"
    rf"^\W*(?:(?:{_FA_HELLO}|چشم|باشه|خب|خوب)[\s,،.!]+)?(?:(?:آقای|خانم)\s+)?(?:دکتر(?:\s+جان)?[\s,،.!]+)?"
    r"(?:(?:(?:خیلی\s+)?(?:ممنون(?:م)?|مرسی|متشکرم)|سپاس|خسته نباشید|لطف کردید|لطف کردین|زحمت کشیدید|دست(?:تون| شما) درد نکنه|خدا خیرتون بده|خدا خیرت بده|"
    r"پسرم|دخترم|عزیزم|مادر جان|پدر جان|"
    # goodbyes, regards and blessings: "خدافظ", "سلام برسونید، خدانگهدار", "قربون شما", "زیارت قبول",
    # "ایشالا همیشه سلامت باشی", "ای بابا"
    r"خداحافظ|خدافظ|خدا ?نگهدار|سلام (?:\S+\s+){0,2}?(?:برسونید|برسونین|برسانید)|قربون(?:ت| شما| شما برم|تون برم)|"
    r"(?:زیارت(?:تون)?\s+)?قبول(?:\s+(?:باشه|حق))?|(?:ایشالا|ایشالله|انشالله|ان[\u200c ]?شاء[\u200c ]?الله)\s+(?:همیشه\s+)?(?:سلامت|سالم)\s+باشی(?:د|ن)?|"
    r"ای بابا|ای وای|"
    r"خدا حفظتون کنه|خدا حفظت کنه|خدا حفظش کنه|شکر خدا|خدا ?رو ?شکر|شکر|الحمدلله|می[\u200c ]?گذرونیم|(?:ای\s+)?بد نیستی?م|"
    # taarof: "قربان شما", "ببخشید مزاحم شدیم", "وقتتون رو گرفتیم", "قول می‌دم", "وظیفه‌ست", "آفرین پسر خوب"
    r"قربان(?:ت| شما)?|فدا(?:ت|تون|ی شما)(?: بشم| شم)?|(?:ببخشید\s+)?مزاحم (?:شدم|شدیم|شدیم|شدیم)|مراحمید|"
    r"(?:ببخشید\s+)?(?:وقت(?:تون| شما)\s+(?:رو\s+)?گرفت(?:م|یم))|(?:نه\s+دیگه[\s,،]+)?قول می[\u200c ]?د(?:م|یم)|وظیفه[\u200c ]?(?:ست|است|مه)|"
    r"آفرین(?:\s+(?:پسر|دختر)\s+(?:خوب|گلم))?|(?:خیلی\s+)?مبارک باشه|به سلامتی|(?:ان[\u200c ]?شاء[\u200c ]?الله|ایشالا|انشالله)\s+عروسی(?:ت|تون|شما)|"
    r"خواهش می[\u200c ]?کنم|این دفعه جدی می[\u200c ]?گم)"
    r"(?:[\s,،.!]+(?:(?:آقای|خانم)\s+)?(?:دکتر(?:\s+جان)?|مادر|پدر|مادرجان|پدرجان)?)?[\s,،.!]*)+\W*$",
    re.IGNORECASE,
)


def is_greeting(text: str) -> bool:
    """A greeting, thanks or "how are you", and nothing else (not "yes" or "no": those answer)."""
    return bool(_GREETING.match(FILLER_RE.sub(" ", text).strip()))


def is_pleasantry(text: str) -> bool:
    """A greeting, thanks or a bare acknowledgement ("okay", "yes"), and nothing else."""
    text = FILLER_RE.sub(" ", text).strip()
    return not _WORD.search(text) or bool(SMALL_TALK.match(text) or _GREETING.match(text))


HISTORY_VERB = re.compile(
    r"\b(?:she|he|the patient|patient) (?:denies|denied|reports|reported|endorses|complains|states|notes|"
    r"describes|admits|presents)\b|\b(?:denies|endorses|complains of)\b",
    re.IGNORECASE,
)
ASSISTANT = re.compile(r"\b(?:dragon|dax|nuance)\b", re.IGNORECASE)  # ambient-scribe voice commands
DEMOGRAPHIC = re.compile(
    r"\b(\d{1,3})[- ]year[- ]old\b(?:\s+(male|female|man|woman|gentleman|lady|boy|girl))?", re.I
)

# ------------------------------------------------------------------ drugs
DRUGS = frozenset(
    """
    contraceptive contraceptives microgynon yasmin yaz ضدبارداری ویتامین
    nitroglycerin نیتروگلیسرین نیترو‌گلیسرین
    tiotropium spiriva salbutamol ventolin calpol dimenhydrinate dramamine ondansetron zofran co-amoxiclav
    augmentin pyridoxine doxylamine diclegis ferrous oxybutynin cefdinir cefuroxime methocarbamol zinc ors pedialyte multivitamin
    متوکاربامول نیتروفورانتوئین زینک گلی‌کلازید گلیکلازید مولتی‌ویتامین سفدینیر
    داکسی‌سایکلین داکسی‌سیکلین فلوتیکازون آداپالن بنزوئیل‌پراکساید ایزوترتینوئین فروس فروس‌سولفات
    بودزوناید کلاریترومایسین فکسوفنادین هیدروکسی‌زین متیمازول والسارتان آتنولول متوپرولول اسپیرونولاکتون
    هیدروکلروتیازید گلی‌بن‌کلامید سیتاگلیپتین امپاگلیفلوزین پیوگلیتازون کلسیم ویتامین‌د
    دیازپام تامسولوسین لورازپام کلونازپام اکسازپام زولپیدم کلیندامایسین کلرامفنیکل مفنامیک‌اسید نوافن
    اسپیریوا تیوتروپیوم سالبوتامول ونتولین دیمن‌هیدرینات دیمنهیدرینات اندانسترون اوندانسترون کوآموکسی‌کلاو
    پیریدوکسین فولیک سرترالین فلوکستین سیتالوپرام سیتریزین سیتیریزین ستریزین آهن فروگلوبین
    acetaminophen tylenol ibuprofen advil motrin naproxen aleve aspirin celecoxib meloxicam diclofenac
    tramadol oxycodone hydrocodone morphine codeine gabapentin pregabalin lyrica cyclobenzaprine flexeril
    lisinopril enalapril ramipril losartan valsartan olmesartan amlodipine nifedipine diltiazem verapamil
    metoprolol atenolol carvedilol propranolol hydrochlorothiazide chlorthalidone furosemide lasix
    spironolactone torsemide bumetanide atorvastatin lipitor simvastatin rosuvastatin crestor pravastatin
    metformin glipizide glyburide insulin lantus humalog novolog januvia sitagliptin jardiance empagliflozin
    farxiga ozempic semaglutide trulicity levothyroxine synthroid warfarin coumadin eliquis apixaban
    micronase glyburide glucotrol actos pioglitazone xarelto rivaroxaban clopidogrel plavix heparin omeprazole prilosec pantoprazole protonix esomeprazole
    nexium famotidine pepcid ondansetron zofran metoclopramide prednisone prednisolone methylprednisolone
    medrol dexamethasone hydrocortisone albuterol proair ventolin symbicort advair fluticasone flonase
    montelukast singulair cetirizine zyrtec loratadine claritin benadryl diphenhydramine amoxicillin
    augmentin azithromycin zithromax doxycycline cephalexin keflex ciprofloxacin levofloxacin bactrim
    nitrofurantoin macrobid phenazopyridine pyridium clindamycin penicillin metronidazole flagyl fluconazole diflucan valacyclovir
    acyclovir sertraline zoloft fluoxetine prozac citalopram escitalopram lexapro paroxetine bupropion
    wellbutrin trazodone venlafaxine effexor duloxetine cymbalta mirtazapine buspirone alprazolam xanax
    lorazepam ativan clonazepam diazepam zolpidem ambien quetiapine seroquel aripiprazole lithium
    lamotrigine levetiracetam keppra topiramate sumatriptan imitrex rizatriptan allopurinol colchicine
    tamsulosin flomax finasteride sildenafil vitamin iron calcium magnesium potassium folic melatonin
    nitroglycerin digoxin amiodarone hydroxychloroquine methotrexate humira adalimumab entresto sacubitril lidocaine
    مسکن استامینوفن ایبوپروفن آسپرین سوماتریپتان آموکسی‌سیلین آموکسی سیلین آزیترومایسین متفورمین انسولین
    لوزارتان آملودیپین آتورواستاتین امپرازول پنتوپرازول پردنیزولون ناپروکسن ژلوفن سفیکسیم
    paracetamol salbutamol co-amoxiclav cefixime fexofenadine domperidone loperamide budesonide gliclazide
    amitriptyline nortriptyline ketorolac cotrimoxazole clotrimazole oseltamivir tamiflu guaifenesin
    dextromethorphan pseudoephedrine mefenamic ceftriaxone gentamicin chlorpheniramine hyoscine
    سفالکسین سیپروفلوکساسین مترونیدازول رانیتیدین فاموتیدین ستیریزین لوراتادین دیفن‌هیدرامین دگزامتازون
    اندانسترون متوکلوپرامید سالبوتامول کاپتوپریل پروپرانولول فوروزماید وارفارین کلوپیدوگرل لووتیروکسین
    سرترالین فلوکستین آمی‌تریپتیلین نورتریپتیلین آلپرازولام ترامادول کدئین مورفین گاباپنتین دیکلوفناک
    پنی‌سیلین کوتریموکسازول فلوکونازول آسیکلوویر مفنامیک سفتریاکسون جنتامایسین کلرفنیرامین گایافنزین
    دکسترومتورفان هیوسین کوآموکسی‌کلاو مونته‌لوکاست بکلومتازون پردنیزون متیل‌پردنیزولون
    سرتاید سیمبیکورت سالمترول فنازوپیریدین لوزارتان‌اچ
    لانتوس گلارژین نوورپید نوومیکس لومیر ترازودون میرتازاپین اسیتالوپرام بوپروپیون کوئتیاپین پیروکسیکام
    """.split()
)
#: the generic name of a brand in ``DRUGS``: one medicine, however it is called ("the Jardiance" after
#: "empagliflozin", "Motrin" after "ibuprofen")
BRAND_GENERIC = {
    "tylenol": "acetaminophen", "paracetamol": "acetaminophen", "calpol": "acetaminophen",
    "advil": "ibuprofen", "motrin": "ibuprofen", "aleve": "naproxen", "lyrica": "pregabalin",
    "flexeril": "cyclobenzaprine", "lasix": "furosemide", "lipitor": "atorvastatin", "crestor": "rosuvastatin",
    "jardiance": "empagliflozin", "januvia": "sitagliptin", "farxiga": "dapagliflozin", "ozempic": "semaglutide",
    "synthroid": "levothyroxine", "coumadin": "warfarin", "eliquis": "apixaban", "xarelto": "rivaroxaban",
    "plavix": "clopidogrel", "prilosec": "omeprazole", "protonix": "pantoprazole", "nexium": "esomeprazole",
    "pepcid": "famotidine", "zofran": "ondansetron", "medrol": "methylprednisolone", "ventolin": "albuterol",
    "proair": "albuterol", "salbutamol": "albuterol", "flonase": "fluticasone", "singulair": "montelukast",
    "zyrtec": "cetirizine", "claritin": "loratadine", "benadryl": "diphenhydramine", "zithromax": "azithromycin",
    "keflex": "cephalexin", "macrobid": "nitrofurantoin", "pyridium": "phenazopyridine", "flagyl": "metronidazole",
    "diflucan": "fluconazole", "valtrex": "valacyclovir", "zoloft": "sertraline", "prozac": "fluoxetine",
    "lexapro": "escitalopram", "wellbutrin": "bupropion", "effexor": "venlafaxine", "cymbalta": "duloxetine",
    "xanax": "alprazolam", "ativan": "lorazepam", "ambien": "zolpidem", "seroquel": "quetiapine",
    "keppra": "levetiracetam", "imitrex": "sumatriptan", "flomax": "tamsulosin", "glucotrol": "glipizide",
    "micronase": "glyburide", "actos": "pioglitazone", "zocor": "simvastatin", "norvasc": "amlodipine",
    "coreg": "carvedilol", "glucophage": "metformin", "entresto": "sacubitril-valsartan",
    "neurontin": "gabapentin", "tamiflu": "oseltamivir", "dramamine": "dimenhydrinate",
}  # fmt: skip


def generic_name(name: str) -> str:
    """The generic name of a medicine named by its brand; other names as they are (lower case)."""
    name = name.lower()
    return BRAND_GENERIC.get(name, name)


#: words in ``DRUGS`` that name a kind of medicine, not one to order ("خود مسکن زیاد سردرد رو بیشتر میکنه")
DRUG_CLASS_WORDS = frozenset({"مسکن"})
DRUG_SUFFIX = re.compile(
    r"\b[a-z]{3,}(?:pril|sartan|olol|statin|prazole|tidine|dipine|cillin|mycin|floxacin|cycline|"
    r"triptan|formin|gliptin|gliflozin|lukast|azepam|oxetine|afil|parin|xaban|semide|thiazide|sone|olone)\b",
    re.IGNORECASE,
)
ROUTES = {
    "by mouth": "oral", "orally": "oral", "po": "oral", "oral": "oral", "iv": "intravenous",
    "intravenous": "intravenous", "im": "intramuscular", "shot": "intramuscular", "injection": "injection",
    "subcutaneous": "subcutaneous", "topical": "topical", "cream": "topical", "ointment": "topical",
    "inhaler": "inhaled", "inhaled": "inhaled", "nebulizer": "inhaled", "drops": "drops",
    "gel": "topical", "patch": "topical",
    "خوراکی": "oral", "تزریقی": "injection", "آمپول": "injection", "پماد": "topical", "اسپری": "inhaled",
    "ژل": "topical", "کرم": "topical", "قطره": "drops", "موضعی": "topical",
}  # fmt: skip
FREQ_RE = re.compile(
    r"\b(?:once|twice|one time|two times|three times|four times|1 time|2 times|3 times|4 times) (?:(?:a|per|each) "
    r"(?:day|week|night)|daily|weekly|nightly)|\b(?:daily|nightly|weekly|bid|tid|qid|qd|qhs|prn|every day|every night|"
    r"every morning|every (?:\d+ )?(?:to \d+ )?hours?|every other day|at bedtime|at night|in the morning|"
    r"(?:(?<=units )|(?<=tablets ))(?:a|per) day|(?:\d+|one|two|three|four|five|six) days? (?:a|per|each) week|most days|"
    r"as needed|when (?:i|you) need(?:ed)?(?: (?:it|them))?|with meals)\b|روزی \S+ (?:بار|عدد)|هر \S+ ساعت|شب‌ها|شبها|در صورت نیاز|"
    # "روزی دوبار" (one word), "صبح ناشتا"
    r"روزی (?:یک|یه|دو|سه|چهار)[\u200c]?بار|صبح(?:[\u200c ]?ها)? ناشتا|قبل از صبحانه|"
    # "روزی یه دونه", "شبی یک عدد", "هفته‌ای دو بار"
    r"(?:روزی|شبی|صبحی|هفته[\u200c ]?ای|ماهی) (?:یکی|(?:(?!میلی|سی)[^\s،,.]+ )?(?!میلی|سی)[^\s،,.]+ (?:(?:تا|عدد|دونه|قرص) )?(?:بار|دونه|عدد|قرص|تا))(?!\w)|"
    # "صبح یه دونه", "شبا یک عدد" (once, at that time of day)
    r"(?<!\w)(?:صبح|شب|ظهر|عصر)(?:[\u200c ]?ها|ا)? (?:یه|یک) (?:دونه|عدد|قرص)(?!\w)|"
    # "هر روز یکی دو تا", "دو تا در روز"
    r"هر روز(?: (?:یکی|یه|یک|دو|سه)(?: (?:دو|سه|چهار))? (?:تا|دونه|عدد|بار))?(?!\w)|"
    r"(?<!\w)(?:یکی|یه|یک|دو|سه|چهار|\d+) (?:تا|عدد|بار|دونه|قرص) در روز|"
    # "روزی ۲۵ میلی‌گرم", "روزی بیست میلی‌گرم": so much a day (the dose is read apart)
    r"روزی(?= (?:[^\s،,.]+ (?:و )?){1,3}(?:میلی[\u200c ]?گرم|میلی گرم|میکروگرم|گرم|واحد|سی[\u200c ]?سی)(?![^\W\d_]))",
    re.IGNORECASE,
)
DOSE_RE = re.compile(
    r"(\d+(?:\.\d+)?)\s*(mg|m g|milligrams?|mcg|micrograms?|g|grams?|units?|mls?|milliliters?|iu|puffs?|tablets?|"
    r"pills?|میلی‌?گرم|میلی گرم|میکرو‌?گرم|میکرو گرم|میلی‌?لیتر|میلی لیتر|سی‌?سی|سی سی|واحد|عدد|قرص)(?![\w])",
    re.IGNORECASE,
)
DOSE_UNITS = {
    "mg": "mg", "m g": "mg", "milligram": "mg", "milligrams": "mg", "mcg": "ug", "microgram": "ug", "micrograms": "ug",
    "g": "g", "gram": "g", "grams": "g", "unit": "[iU]", "units": "[iU]", "iu": "[iU]", "ml": "mL", "mls": "mL",
    "milliliter": "mL", "milliliters": "mL", "puff": "{puff}", "puffs": "{puff}", "tablet": "{tbl}",
    "tablets": "{tbl}", "pill": "{tbl}", "pills": "{tbl}", "میلی‌گرم": "mg", "میلی گرم": "mg",
    "میلیگرم": "mg", "میکروگرم": "ug", "میکرو‌گرم": "ug", "میکرو گرم": "ug", "واحد": "[iU]", "عدد": "{tbl}", "قرص": "{tbl}", "میلی‌لیتر": "mL", "میلی لیتر": "mL",
    "میلیلیتر": "mL", "سی‌سی": "mL", "سی سی": "mL", "سیسی": "mL",
}  # fmt: skip
DURATION_RE = re.compile(
    r"\b(?:for |about |over |past |last |since )*(?:the )?(?:past |last )?(?:about |around |almost |over )?"
    r"(\d+(?:\.\d+)?|a|an|a few|a couple(?: of)?|several)\s*(minutes?|hours?|days?|weeks?|months?|years?)\b"
    r"(?:\s+(?:now|ago))?",
    re.IGNORECASE,
)
FA_DURATION_RE = re.compile(
    r"(\d+|یک|یه|دو|سه|چهار|پنج|شش|شیش|هفت|هشت|نه|ده|یازده|دوازده|پانزده|بیست|سی|چند)\s*"
    r"(روز|هفته|ماه|سال|ساعت)"
)
FA_UNITS = {"روز": "day", "هفته": "week", "ماه": "month", "سال": "year", "ساعت": "hour"}

# ------------------------------------------------------------------ dialogue-level cues (notes engine)
# Pleasantries and logistics: never note content, whoever says them.
CHITCHAT = re.compile(
    r"^\W*(?:(?:hi|hello|hey|so|well|oh|okay|ok|yeah|good|great)[\s,.!]+)*(?:"
    r"(?:i'm|i am|i've been|we're|we are|doing) (?:doing )?(?:well|good|great|fine|okay|alright|all right|pretty good)|"
    r"how (?:are|have) you(?: been| doing)?|how's it going|how are things|nice to (?:meet|see) you|"
    r"good to see you|thank(?:s| you)(?: so much| very much)?|you're welcome|have a (?:good|great|nice)|"
    r"see you(?: later| soon| then)?|take care|bye|goodbye|"
    r"any (?:other )?questions|do you have any (?:other )?questions|"
    r"(?:let me|let's|let us|i'll|i will|i'm going to|i am going to|i'd like to) (?:tell dax|take a look at your|go over|"
    r"go through|review|pull up|look at)|"
    r"(?:the )?nurse (?:will|is going to) (?:come|be) in)\b|"
    # Persian: "خب بذارید معاینه کنم", "معاینه می‌کنم" (the exam is announced, nothing found yet);
    # "چشم، ممنون آقای دکتر"
    r"^\W*(?:خب\s+)?(?:(?:بذارید|بگذارید|اجازه بدید|اجازه بدهید)ش?\s+(?:\S+\s+){0,2}معاینه\S*\s+کنم|"
    r"(?:\S+\s+)?معاینه\S*\s+(?:می[\u200c ]?)?کنی?م)\W*$|^\W*(?:چشم|باشه)[\s،,]+(?:ممنون|مرسی|متشکرم)|"
    # a greeting at the door: "Morning, Mr. Okafor, come on in.", "بفرمایید بشینید"
    r"^\W*(?:(?:good )?(?:morning|afternoon|evening)|hi|hello|hey)\b[^?!]*?\b(?:come (?:on )?in|have a seat|take a seat)\W*$|"
    r"^\W*(?:come (?:on )?in|have a seat|take a seat|بفرمایید(?: بشینید)?)\W*$|"
    # talk about the weather: "cold out there today, huh", "it's so hot outside"
    r"^\W*(?:(?:it's|it is|it was|so|pretty|really|very|sure)\W+)*(?:cold|hot|warm|chilly|freezing|nice|beautiful|"
    r"rainy|windy|snowy|icy|humid|lovely)(?: \w+)? (?:out there|outside)\b[^.?!]*[.!]?\s*$|"
    # a topic put off for later in the talk: "okay, we'll come back to that", "i'll get back to this"
    r"^\W*(?:(?:okay|ok|alright|right|so|good)\W+)*(?:we'll|we will|i'll|i will|let's) (?:come|get) back to "
    r"(?:that|this|it)(?: (?:in a (?:bit|minute|moment)|later))?\W*$|"
    # an acknowledgement of what was just said: "okay, sulfa allergy, good to know", "that explains it"
    r"^[^.?!]{0,40}\bgood to know\W*$|^\W*(?:(?:oh|well|okay|ok|ha|right)\W+)*that explains (?:it|that|a lot)\W*$|"
    # a greeting about who came along: "hello mrs. kowalski, and you brought your daughter today"
    r"^[^?!]{0,40}\b(?:you brought|you've brought|here with) (?:your|a) (?:daughter|son|wife|husband|mom|mother|dad|"
    r"father|friend|partner|sister|brother|family|kids?|grand\w+)\b[^?!]{0,20}$|"
    # praise and nothing else: "Perfect, that's exactly right."
    r"^\W*(?:(?:perfect|great|good|excellent|exactly|well done|nice|very|so|that's|that is|it's|right|"
    r"just|job|yes|yeah|okay|ok)\W*)+$|"
    # the doctor introducing themselves: "Hi Ms. Carter, I'm Dr. Patel."
    r"^\W*(?:(?:hi|hello|hey|good (?:morning|afternoon|evening))\b[^?!]*?[,.!]\s*)?(?:i'm|i am|my name is) "
    r"(?:dr|doctor)\.?\s+[a-z'-]+(?:,? (?:one of the|your|the) \w+(?: \w+){0,3})?\W*$|"
    # a social question anywhere in the sentence: "oh nice, how was the flight?"
    r"\bhow (?:was|is|were|are|did) (?:the |your )?(?:trip|flight|vacation|holidays?|weekend|drive|game|wedding|"
    r"party|summer|christmas|thanksgiving|birthday|kids|grandkids|garden)\b|"
    r"\bdid you (?:have|enjoy) (?:a |the |your )?(?:good |nice |great )?(?:trip|vacation|weekend|holidays?)\b|"
    # sympathy and congratulations: "oh no, poor thing", "i'm sorry to hear that", "congratulations on the pregnancy"
    r"^\W*(?:(?:oh|aw|ah|well|hi|hello)\W+)*(?:(?:oh )?no,? )?(?:poor (?:thing|baby|guy|girl|boy|kid)|"
    r"i'm (?:so |very |really )?sorry (?:to hear (?:that|this|about \w+)|about (?:that|this|your \w+))|"
    r"that's (?:too bad|a shame|tough|rough)|good for you|congratulations(?: on [^.?!]{1,40})?|congrats)\W*$|"
    # relief and agreement: "that's a relief", "sounds good, thanks doctor", "that wasn't bad"
    r"^\W*(?:(?:oh|well|okay|ok|yeah|good)\W+)*(?:that's a relief|what a relief|that wasn't (?:too |so )?bad|"
    r"sounds (?:good|great|fine|like a plan)(?:,? thanks?(?: you)?)?(?:,? (?:doc|doctor|dr\.?)(?: \w+)?)?|"
    r"(?:great|perfect|awesome),? thanks?(?: you)?(?:,? (?:doc|doctor))?)\W*$|"
    # a companion saying who they are: "i'm his wife, by the way", "this is my daughter"
    r"^\W*(?:(?:oh|and|hi|hello|yes|yeah)\W+)*(?:i'm|i am) (?:his|her|their|the patient's) (?:wife|husband|daughter|son|"
    r"mother|mom|father|dad|sister|brother|caregiver|partner)\b[^.?!]{0,20}\W*$|"
    # the same in Persian: "من دخترشونم", "همسرشون هستم"
    r"^\W*(?:(?:آقای\s+|خانم\s+)?دکتر[،,]?\s+)?(?:من\s+)?(?:دختر|پسر|همسر|خانم|شوهر|عروس|داماد|نوه|مادر|پدر)"
    r"(?:ش|شون|شان)(?:\s*(?:هستم|ام)|م)\W*$|"
    # a greeting with the patient's name: "hi mr. alvarez, nice to see you again"
    r"\bnice to (?:see|meet) you(?: again| too| as well)?\W*$|"
    # an exam announced, nothing found yet: "let me check your feet", "okay, let's take a quick look"
    r"^\W*(?:(?:okay|ok|alright|all right|so|now|and|next)\W+)*(?:let me|let's|i'm going to|i'll|i want to|"
    r"i'd like to|i'm just going to) (?:just |quickly )?(?:check|look at|take a (?:quick )?look(?: at)?|listen to|"
    r"examine|feel|have a look(?: at)?)(?: (?:your|you|his|her|the|that|this)(?: \w+){0,5})?(?: (?:real )?quick)?\W*$|"
    # the doctor inviting the story: "mrs. kowalski, tell me about the falls", "walk me through what happened"
    r"^\W*(?:(?:so|okay|ok|alright|now|and)\W+)*(?:(?:(?:mr|mrs|ms|miss)\.?\s+)?\w+,\s*)?(?:so,?\s+)?"
    r"(?:tell me (?:about|more about|what happened)|walk me through)\b[^?]{0,40}$|"
    # the doctor turning to the results, nothing read yet: "پس بریم سراغ آزمایش‌ها ببینیم …"
    r"^\W*(?:(?:خب|پس|حالا)[\s،,]+)*(?:بریم|بیاید بریم|بیاین بریم)\s+سراغ\s|"
    # a Persian social question: "عروسی پسرتون چطور گذشت؟", "دیشب بازی رو دیدید؟", "سفر خوش گذشت؟"
    r"(?<![^\W\d_])(?:عروسی|سفر|مسافرت|زیارت|بازی|فوتبال|تعطیلات|مهمونی|مهمانی|جشن|تولد)\S*\s+(?:\S+\s+){0,2}?"
    r"(?:چطور|چطوری|خوش گذشت|دیدید|دیدین|دیدی)(?![^\W\d_])|"
    # "خانواده خوبن؟", "نوه‌ها خوبن؟", "مدرسه‌ها چطوره؟", "کار و بار چطوره؟", "اوضاع چطوره؟"
    r"(?<![^\W\d_])(?:خانواده|خونواده|بچه[\u200c ]?ها|نوه[\u200c ]?ها|مدرسه[\u200c ]?ها|مدرسه|کار و بار|کاسبی|اوضاع|"
    r"اوضاع و احوال|خانم|آقا|حاج[\u200c ]?آقا|حاج[\u200c ]?خانم)(?:تون|ت|شون)?\s+(?:خوبن|خوبه|چطوره|چطورن|چطوره\s+اوضاع)"
    r"\s*[؟?]",
    re.IGNORECASE,
)
# Persian small talk in a sentence (with no symptom in it): thanks for the time ("ممنون که حوصله کردید
# گوش دادید"), traffic and being late ("ببخشید دیر شد، ترافیک بود"), the football ("بازی بعدی رو …")
FA_SMALL_TALK = re.compile(
    r"^\W*(?:خیلی\s+)?(?:ممنون(?:م)?|مرسی|متشکرم|دستتون درد نکنه)\s+(?:که|از\s+(?:اینکه|وقتی|وقتتون|لطفتون))\s|"
    r"(?<![^\W\d_])(?:ترافیک|جای پارک|دیر (?:شد|کردم|کردیم|رسیدم|رسیدیم)|فوتبال|بازی (?:دیشب|بعدی|امشب))(?![^\W\d_])"
)
# a treated condition said to be out of control: "فشارتون کنترل نیست", "قندتون هنوز بالاست"
FA_UNCONTROLLED = re.compile(
    r"(?<![^\W\d_])(?:فشار(?:\s*خون)?|قند(?:\s*خون)?|چربی(?:\s*خون)?|کلسترول)(?:تون|ت|ش|شون)?\s+"
    r"(?:هنوز\s+)?(?:کنترل\s+نیست|کنترل\s+نشده|بالاست|بالا\s+است|بالاس)(?![^\W\d_])"
)
# A doctor telling the patient what is wrong: "he has an ear infection", "this is a viral infection".
DIAGNOSIS = re.compile(
    r"\b(?:\w+itis|infections?|fractures?|sprains?|strains?|migraines?|pneumonia|influenza|flu(?! shots?| vaccines?)|common cold|"
    r"viral|virus|bacterial|diabetes|hypertension|asthma|copd|reflux|gerd|anemia|tears?|disease|syndrome|"
    r"disorder|cancer|tumou?r|hernia|neuropathy|ulcer|gout|depression|anxiety|insomnia|concussion|"
    r"dislocation|cellulitis|eczema|psoriasis|allergies|obesity|hypothyroidism|hyperlipidemia|embolism|"
    r"thrombosis|infarction|angina|fibrillation|heart failure|stroke|dehydrat\w*|allergic reaction|urticaria|"
    r"hives|sprained|hyperemesis|strep(?: throat)?|mono(?:nucleosis)?|shingles|kidney stones?|uti|"
    r"urinary tract infection|gastroenteritis|croup|bppv|vertigo|hypotension|conjunctivitis|cellulitis|"
    r"reflux|dysmenorrh?o?ea|menisc(?:us|al)|ligament (?:injury|tear|sprain)|contusion|whiplash|osteoporosis|"
    r"hemorrhoids?|epilepsy|seizure disorder|gallstones?|arrhythmia|"
    r"svt|supraventricular tachycardia|panic (?:attacks?|disorder)|hypoglyc(?:a)?emia|anaemia|tension[- ]type headaches?|rebound headaches?)\b|"
    r"عفونت|ویروسی|باکتریایی|باکتریال|میکروبی|سرماخوردگی|آنفولانزا|آنفلوانزا|میگرن|سینوزیت|فشار خون بالا|دیابت|"
    # medication-overuse headache, low sugar, weaker kidneys, said as the doctor names them
    r"سردرد (?:ناشی از|به خاطر) (?:مصرف )?(?:زیاد |بیش از حد )?(?:مصرف )?(?:دارو|مسکن)(?:[^\W\d_]|\u200c)*|سردرد دارویی|"
    r"افت قند|هیپوگلیسمی|نارسایی کلیه|بیماری (?:مزمن )?کلیه|"
    r"آسم|رفلاکس|گاستروانتریت|شکستگی|پیچ[\u200c ]?خوردگی|التهاب|کم[\u200c ]?خونی|حساسیت فصلی|آلرژی|اگزما|"
    # the Persian names of "-itis" (English has \w+itis; in Persian many ordinary words end in -یت)
    r"فارنژیت|لارنژیت|برونشیت|برونشیولیت|گاستریت|کولیت|آرتریت|اوتیت|تونسیلیت|درماتیت|هپاتیت|مننژیت|"
    r"آپاندیسیت|کونژنکتیویت|سیستیت|پیلونفریت|پروستاتیت|تاندونیت|بورسیت|پانکراتیت|ورم ملتحمه|"
    r"پنومونی|ذات[\u200c ]?الریه|آنژین|گلودرد چرکی|استرپتوکوکی|کووید|کرونا|چربی خون|کبد چرب|سنگ کلیه|"
    r"زخم معده|فتق|سرطان|تومور|سندرم|اختلال|افسردگی|اضطراب|بی[\u200c ]?خوابی|دررفتگی|کم[\u200c ]?کاری تیروئید|"
    r"پرکاری تیروئید|نقرس|کمردرد مکانیکی|سیاتیک|دیسک کمر|فتق دیسک|رادیکولوپاتی|انسدادی مزمن|سی[\u200c ]?او[\u200c ]?پی[\u200c ]?دی|"
    r"کم[\u200c ]?آبی|کم[\u200c ]?آب(?=ه(?![^\W\d_]))|واکنش حساسیتی|واکنش آلرژیک|کهیر|ویار|تهوع بارداری|سنگ حالب|ریفلاکس|افت فشار|دیسمنوره|"
    r"سرگیجه وضعیتی|کروپ|سیاتیک|آرتروز|استئوآرتریت|استئوآرتروز|تهوع و استفراغ (?:دوران )?بارداری|"
    # injuries: a torn ligament or meniscus, a strain, a sprain said colloquially, a bruise
    r"منیسک|مینیسک|پارگی|(?:آسیب|کشیدگی)\s+(?:ی\s+)?(?:رباط|تاندون|عضل)|(?:رباط|تاندون)[\w\u200c]*\s+(?:[^\s.،,؟?]+\s+){0,3}?(?:آسیب|پاره)|"
    r"کشیدگی (?:عضله|عضلانی|کمر|گردن)|رگ[\u200c ]?به[\u200c ]?رگ|کوفتگی|ضرب[\u200c ]?دیدگی|"
    r"سردرد ناشی از (?:مصرف )?(?:بیش از حد )?(?:دارو|مسکن)[\w\u200c]*|سردرد (?:دارویی|تنشی|عصبی|خوشه[\u200c ]?ای)|آنژین ناپایدار|سکته (?:قلبی|مغزی)|سنگ (?:کیسه صفرا|مثانه)|عفونت (?:ادراری|گوش|ریه|سینوس|پوستی)|پرفشاری خون|پرکاری|کم[\u200c ]?کاری|سندرم روده تحریک[\u200c ]?پذیر|یبوست مزمن|بواسیر|آبله مرغان|سرخک|اوتیت|ورم معده|نارسایی کلیه|کبد چرب|تنبلی تیروئید|واریس|ترومبوز|بیش[\u200c ]?فعالی|وسواس|پنیک|حمله عصبی|"
    r"پوکی استخوان|هموروئید|بواسیر|صرع|سنگ کیسه[\u200c ]?(?:ی )?صفرا|آنفلوآنزا|آریتمی|نارسایی قلب|"
    + FA_UNCONTROLLED.pattern,
    re.IGNORECASE,
)
#: a relative named in Persian: "پس پدرتون سرطان داره" is family history, not the patient's diagnosis
FA_RELATIVE = re.compile(
    r"(?<![^\W\d_])(?:پدر|مادر|برادر|خواهر|پدربزرگ|مادربزرگ|عمو|عمه|خاله|دایی|همسر|شوهر|مامان|بابا|داداش|آبجی)"
    r"(?:م|ت|ش|تون|تان|شون|شان)?(?![^\W\d_])"
)


#: what makes a relative's mention family history: a condition, a procedure on the heart, an early death
FA_FAMILY_CONDITION = re.compile(
    r"(?<![^\W\d_])(?:فنر|استنت|بای[\u200c ]?پس|آنژیوپلاستی|عمل قلب|قلبی|قند|فشار|چربی|کلسترول|تیروئید|سکته|"
    r"سرطان|تومور|کم[\u200c ]?شنوا|ناشنوا|ارثی|ژنتیکی|آلزایمر|پارکینسون|صرع|بیماری|مشکل)|"
    r"درد"  # "مامانم هم سردردای شدید داره", "پدرم کمردرد داره"
)


#: the speaker's own relative ("مامانم", "پسرم", "خانمم"): said by a companion, the patient
FA_MY_RELATIVE = re.compile(
    r"(?<![^\W\d_])(?:پدر|مادر|مامان|بابا|پسر|دختر|همسر|شوهر|خانم|نوه|برادر|خواهر|داداش|آبجی)م(?![^\W\d_])"
)
#: a recent time: a relative ill "last week" is a sick contact, not family history
FA_RECENT = re.compile(
    r"(?<![^\W\d_])(?:هفته[\u200c ]?(?:ی\s+)?(?:پیش|قبل|گذشته)|دیروز|پریروز|دیشب|این چند روز|چند روز پیش|روز پیش)(?![^\W\d_])"
)


# the spoken copula on the diagnosis or on a word or two that qualify it, then a pause or the end:
# "سنگ حالبه", "افسردگیه، در حد متوسط", "عفونت گوش میانیه، گوش راست" (or before what brought it on:
# "یه حمله‌ی آسمه که سرماخوردگی راش انداخته")
_FA_COPULA_AFTER = re.compile(
    r"(?:[\u200c]?(?:ه|\u200cست)|(?:[\u200c ][^\W\d_]+){0,2}?[\u200c ][^\W\d_]*ی[\u200c]?(?:ه|ست))"
    r"(?:\s*[.!،,:]|\s*$|\s+(?:که|یعنی)\s)"
)
# the doctor naming what the patient may have, in colloquial Persian: "ممکنه آنژین ناپایدار باشه",
# "خیلی احتمال داره رباط پاره شده باشه", "با میگرن جور درمیاد", "بهش می‌گیم افت فشار وضعیتی",
# "چیزی که دارید افسردگیه"; a frame that carries the naming even in a sentence that also mentions the exam
FA_SUSPECTED = re.compile(
    r"(?<![^\W\d_])(?:ممکنه|احتمال(?:اً|ا)?|احتمالش|احتمال داره|به احتمال زیاد)(?![^\W\d_])"
    r"[^.!؟?]*?(?<![^\W\d_])(?:باشه|باشد|باشن|هست)(?![^\W\d_])|"
    r"(?<![^\W\d_])با\s+(?:[^\s.،,؟?]+\s+){1,5}?(?:جور\s*(?:در\s*میاد|درمیاد|درمی[\u200c ]?آد|در\s*می[\u200c ]?آد)|"
    r"می[\u200c ]?خونه|همخوانی داره|مطابقت داره)(?![^\W\d_])|"
    r"(?<![^\W\d_])(?:بهش|به این|به اینا|به این حالت)\s+می[\u200c ]?(?:گیم|گن|گویند|گوییم)(?![^\W\d_])|"
    r"(?<![^\W\d_])(?:چیزی که|مشکلی که)\s+(?:شما\s+)?(?:دارید|دارین|داری|داره)(?![^\W\d_])|"
    r"(?<![^\W\d_])به احتمال زیاد\s+[^.!؟?،,]*?[\u200c]?ه[،,]\s*یعنی\s"
)
# a diagnosis word in talk about the season or the waiting room: "فصل سرماخوردگیه، همه ریختن"
_FA_SEASON_OF = re.compile(r"(?<![^\W\d_])فصل\s+\S+")


def told_diagnosis(text: str) -> bool:
    """A statement telling the patient a diagnosis ("he has an ear infection", "عفونت ویروسی است"),
    not a relative's condition."""
    if FA_RELATIVE.search(text) or not DIAGNOSIS.search(text):
        return False
    if all(_FA_SEASON_OF.match(text, max(0, m.start() - 4)) or text[max(0, m.start() - 4) : m.start()] == "فصل "
           for m in DIAGNOSIS.finditer(text)):  # fmt: skip
        return False
    attached = any(_FA_COPULA_AFTER.match(text, m.end()) for m in DIAGNOSIS.finditer(text))
    return attached or bool(
        TOLD_DIAGNOSIS.search(text)
        or FA_UNCONTROLLED.search(text)
        or FA_SUSPECTED.search(text)
        or suspects(text)
    )


def suspects(text: str) -> bool:
    """The doctor's inference naming a condition, in English: "that's pretty typical for angina", "it
    fits with moderate depression", "i'm suspecting an underactive thyroid, hypothyroidism", "what's
    happening is your pressure drops when you stand, orthostatic hypotension"; not "it doesn't fit with
    an infection". The reasons said before it (symptoms, a relative's history) make it no history."""
    for m in SUSPECTED_DIAGNOSIS.finditer(text):
        if not _NOT_BEFORE.search(text[max(0, m.start() - 14) : m.start()]):
            return True
    return False


def suspected_diagnosis(text: str) -> bool:
    """A Persian frame naming what the patient has or may have, with a diagnosis in it ("ممکنه آنژین
    ناپایدار باشه"): the doctor's impression even when the sentence also mentions the exam."""
    sus = FA_SUSPECTED.search(text)
    if sus is None or not DIAGNOSIS.search(text, sus.start()):
        return False
    # a relative named only as a risk in an earlier clause: "با سابقه‌ی سیگار و پدرتون، به احتمال زیاد
    # قلبیه، یعنی آنژین" (not "پدرتون ممکنه سرطان داشته باشه")
    return all(
        m.end() < sus.start() and re.search(r"[،,]", text[m.end() : sus.start()])
        for m in FA_RELATIVE.finditer(text)
    )


_DIAGNOSIS_AHEAD = (
    r"(?=(?:\w+itis|infection|fracture|sprain|strain|migraine|pneumonia|"
    r"flu|cold|virus|tear|disease|syndrome|disorder|neuropathy|diabetes|hypertension|asthma|copd|reflux|anemia|"
    r"ulcer|gout|depression|anxiety|concussion|embolism|thrombosis|angina|fibrillation|heart failure|hernia|"
    r"albuminuria|obesity|hyperlipidemia|dehydration|exacerbation|otitis media|strep|flare|shingles|uti|croup|"
    r"bppv|vertigo|hypotension|reflux|menisc\w+|ligament|contusion|whiplash|osteoporosis|epilepsy|gallstones?|"
    r"arrhythmia|hypothyroidism|hyperthyroidism|(?:under|over)active thyroid|hashimoto's|"
    # a fast rhythm, low sugars, an anaemia spelt the British way, headaches from painkillers
    r"svt|supraventricular tachycardia|panic (?:attacks?|disorder)|hypoglyc(?:a)?emia|an(?:a)?emia|rebound headaches?|medication overuse)\b)"
)
TOLD_DIAGNOSIS = re.compile(
    r"\b(?:you|he|she|they)(?:'ve| have| has|'s)? (?:got |developed |probably (?:have|has) |likely (?:have|has) )?"
    r"(?:an? |some |the )?(?:\w+[ -]){0,3}?" + _DIAGNOSIS_AHEAD + "|"
    # "so this is a lateral ankle sprain", "it looks like a viral infection", "what we call otitis media"
    r"\b(?:this|it|that|these|those)(?:'s| is| are| looks like| sounds like| seems like| looks to be)"
    r" (?:probably |likely |most likely |definitely |just |a classic )?(?:called |known as )?(?:an? |some |the )?"
    r"(?:\w+[ -]){0,3}?" + _DIAGNOSIS_AHEAD + r"|\bwhat we call\b|"
    # "the main one is postnatal depression", "the main thing is a pulled muscle"
    r"\bthe main (?:one|thing|problem|issue) (?:here )?is (?:an? |the )?(?:\w+[ -]){0,3}?"
    + _DIAGNOSIS_AHEAD
    + "|"
    # Persian: "عفونت ویروسی است", "فشار خون بالا دارید، مرحله دو", "این کمردرد مکانیکیه", "دیابتتون کنترل نیست"
    r"(?:دچار|مبتلا به|به نظرم|به نظر من|تشخیص)|"
    r"(?<![^\W\d_])(?:است|هست|نیست|دارید|داری|دارد|داره|دارن|دارند|گرفتید|گرفتین|گرفتی)\s*(?:[.!،,]|$)|"
    r"\u200cست\s*(?:[.!،,]|$)|"
    r"^\W*(?:خب،?\s*|پس،?\s*)?(?:این|اینم)\s|"
    # the doctor's suspicion or what the picture fits: "شک دارم رباط آسیب دیده باشه", "فکر می‌کنم عفونت
    # ادراری باشه", "علائمتون بیشتر به ریفلاکس می‌خوره"
    r"(?<![^\W\d_])(?:شک دارم|مشکوکم|فکر می[\u200c ]?کنم|فکر کنم)(?![^\W\d_])|"
    r"(?<![^\W\d_])به\s+(?:[^\s.،,؟?]+\s+){1,4}?می[\u200c ]?خوره?(?![^\W\d_])|"
    # a yes that names it, said by the doctor: "آره، عفونت گوش میانی سمت راست."
    r"^\W*(?:آره|بله)[\s,،]+[^.!?؟]{0,50}[.!]?\s*$",
    re.IGNORECASE,
)
SUSPECTED_DIAGNOSIS = re.compile(
    r"\b(?:(?:fits?|fitting|consistent|in keeping) with|typical (?:for|of)|(?:i )?suspect(?:ing)?|"
    r"(?:points?|pointing) (?:to|towards?)|suggests?|suggestive of|what's (?:happening|going on) is|"
    r"my (?:working )?diagnosis is|i'd call (?:it|this)|"
    # "what you're describing sounds very much like angina", "this looks a lot like shingles"
    r"(?:sounds|looks) (?:(?:very|so|an awful|a lot|a bit|exactly|just) )*(?:much )?like)"
    r"(?:\W+\w+(?:'\w+)?){0,10}?\W+" + _DIAGNOSIS_AHEAD,
    re.IGNORECASE,
)
_NOT_BEFORE = re.compile(r"(?:\bnot|n't)(?:\s+(?:really|quite|very))?\s*$", re.IGNORECASE)
# a medicine kept on as it was: "متفورمین و گلی‌کلازید مثل قبل", "بقیه‌ی داروها مثل سابق"
FA_AS_BEFORE = re.compile(r"(?<![^\W\d_])مثل\s+(?:قبل|سابق)\W*$")
# A doctor starting a medicine now (a new prescription is a plan, never a current medication).
PRESCRIBE = re.compile(
    r"^\W*(?:(?:so|and|also|okay|ok|then|now|for now)\W+)*(?:start|begin|add)\s+(?!(?:feeling|to|having|getting|with the)\b)|"
    # a dose change: "increase your lisinopril to 20", "دوز لووتیروکسین رو به ۷۵ میکروگرم افزایش میدیم"
    r"\b(?:increas\w*|decreas\w*|rais\w*|lower(?:ing)?|bump(?:ing)? up|go(?:ing)? up on|double|halve)\s+(?:your |the |his |her )?"
    r"(?:dose (?:of )?)?\w+\s+(?:to|from|by)\b|"
    r"(?:افزایش|کاهش)\s+(?:می[\u200c ]?)?(?:دیم|دهیم|دم|دهم|بدید|بدهید|بدین)|(?:زیاد|کم|بیشتر|کمتر)(?:ش)?\s+(?:کنید|کنین|کن|بکنید|می[\u200c ]?کنیم)|"
    r"می[\u200c ]?بر(?:م|یم) بالا|"
    # a new dose or form said as what it is made: "آتورواستاتین رو می‌کنیم چهل", "عوضش می‌کنیم به نوع آهسته‌رهش"
    r"(?:رو|را)\s+(?:(?:هم|دیگه)\s+)?(?:می[\u200c ]?|ب)?کن(?:یم|ید|ین)\s+(?:\d|یک|دو|سه|چهار|پنج|شش|شیش|هفت|هشت|نه|ده|بیست|سی|چهل|پنجاه|شصت|هفتاد|هشتاد|صد|دویست|پونصد|پانصد|هزار)|"
    r"عوض(?:ش)?\s+(?:می[\u200c ]?)?کن(?:م|یم|ید|ین)\s+به|(?<![^\W\d_])از\s+\S+\s+(?:کنیم|بکنیم|کنید|بکنید)\s+\S+|"  # "از چهل کنیم بیست"
    r"\b(?:i'm|i am|we're|we are) (?:starting|putting|giving|prescribing|adding|switching)\b|"
    r"\b(?:prescrib\w*|(?:you can |please )?keep (?:taking|using|giving)|continue (?:taking|using|on|with)|stay on|(?:i'm|i am|we're|we are) (?:going to|gonna) (?:start|put|give|send|try)|"
    r"(?:i|we)(?:'ll| will) (?:start|put|give|send|try|call in)|start (?:you|him|her) on|put (?:you|him|her) on|"
    r"(?:take|use|give (?:him|her))\b.*\b(?:times? a day|twice|every \d+ hours|daily))|"
    r"تجویز|می‌?نویسم|بخورید|مصرف کنید|شروع کنید|ادامه دهید|ادامه بدید|" + FA_AS_BEFORE.pattern + r"|"
    # "متفورمین و گلی‌کلازید مثل قبل", "بقیه‌ی داروها مثل سابق": kept on, an order of this visit
    # "بهتون آتورواستاتین ۲۰ میلی‌گرم میدم" (I'll give you …); not "بهتون توضیح میدم" (I'll explain)
    r"(?:بهتون|براتون|بهش|براش)\s+(?!(?:توضیح|خبر|اطلاع|جواب|نشون|قول|زنگ|اطمینان|حق)\b)(?:\S+\s+){1,6}?"
    r"(?:می[\u200c ]?دم|می[\u200c ]?دهم)(?![^\W\d_])|"
    # a dosage form given: "یه اسپری زیرزبونی هم میدم", "شربت سرفه‌ی گیاهی میدم"
    r"(?<![^\W\d_])(?:قرص|کپسول|شربت|اسپری|قطره|پماد|آمپول)\s+(?:\S+\s+){0,3}?(?:می[\u200c ]?دم|می[\u200c ]?دهم)(?![^\W\d_])|"
    r"(?:بخور|مصرف کن|بزن|بمال|بچکانید|بچکونید)(?![^\W\d_])|"
    # "هر شش ساعت در صورت نیاز بدید": how often, then "give" (not the exam's "نشون بدید")
    r"(?:هر\s+\S+\s+ساعت|روزی\s+\S+\s+بار|در صورت نیاز).*(?:بدید|بدهید|بدین)(?![^\W\d_])|"
    # a dosage form with how to take it: "قرص متوکاربامول هم شب‌ها یه دونه به مدت یک هفته"; not the
    # doctor repeating what is taken now ("پس قرص متفورمین رو روزی دو بار می‌خورید")
    r"^(?!.*(?:می[\u200c ]?خورید|می[\u200c ]?زنید|مصرف می[\u200c ]?کنید)).*"
    + FA_DOSAGE_FORM
    + r"\s+\S+.*(?:به مدت|روزی|هر\s+\S+\s+ساعت|شب[\u200c ]?ها|صبح[\u200c ]?ها)",
    re.IGNORECASE,
)
# The patient turning down what the doctor proposed.
DECLINE = re.compile(
    r"^\W*(?:(?:no|nah|eh|hmm|um|uh|well|honestly|actually|to be honest|نه|خیر|دکتر|آقای دکتر|خانم دکتر|فعلا|فعلاً|"
    r"من|راستش|والا|ببخشید|حالا|ممنون|مرسی|نه ممنون|نه مرسی)[\s,.،]+)*"
    r"(?:i(?:'d| would) (?:really |just |much )?rather (?:not|wait|hold off|just (?:do|try|stick|keep|manage))|"
    r"not today|maybe (?:later|next time)|"
    r"i (?:don't|do n't|do not) (?:really )?(?:want|think i (?:want|need|can)|have (?:the )?time)|"
    r"i(?:'m| am) not (?:really )?(?:interested|ready|comfortable|sure i want)|"
    r"i (?:don't|do not) think i(?:'m| am) (?:ready|up for)|"
    r"not (?:right )?now|i'll pass|no thanks|no thank you|let's (?:hold off|wait)|i(?:'d| would) like to (?:wait|hold off)|"
    # a deferral asked for or promised: "can i hold off on the daily one?", "let me think about it"
    r"(?:can|could) (?:i|we) (?:just )?(?:hold off|wait on|put (?:it|that) off|skip (?:it|that|the))|"
    r"(?:let me|i'll|i will|i need to|i want to) (?:think about it|think it over|sleep on it)|"
    r"i (?:can't|cannot) (?:afford|do)|(?:i think )?i'll (?:be (?:fine|okay|ok|alright)|pass|manage|(?:just )?skip)|"
    r"i'll be (?:fine|okay|ok) (?:with|without)|let me (?:just )?try (?:\w+ ){1,4}first|"
    r"i'll (?:just )?(?:stick with|try|do) (?:\w+ ){0,4}(?:instead|first|at home|on my own)|"
    r"نمی[\u200c ]?خوام|نمی[\u200c ]?خواهم|فعلا نه|نه ممنون|وقت(?:ش)? (?:رو |را )?ندارم|"
    # "انسولین نه، تو رو خدا", "نه دکتر، نمی‌شه", "همین یکی بسه"
    # also with a pause, "for now" or the doctor addressed: "استعلاجی نه دکتر، …", "روان‌شناس... فعلاً نه دکتر."
    r"[^\s.،,؟?]+(?:\s+[^\s.،,؟?]+)?(?:\.{2,3}|…)?\s+(?:(?:فعلا|فعلاً|فعلن|حالا)\s+)?نه"
    r"(?:\s+(?:(?:آقای|خانم)\s+)?دکتر(?:\s+جان)?)?\s*(?:[،,.!]|$)|نمی[\u200c ]?شه\s*(?:[.،!]|$)|"
    r"(?:همین|همون)(?:\s+\S+)?\s+(?:بسه|کافیه)\s*(?:[.،!]|$)|"
    # "سرم نمی‌خوام", "فیزیوتراپی نمی‌رم", "اون قرص رو نمی‌خورم"
    r"(?:[^\s.،]+\s+){1,3}(?:(?:رو|را)\s+)?(?:نمی[\u200c ]?خوا(?:م|هم)|نمی[\u200c ]?رم|نمی[\u200c ]?خورم|نمی[\u200c ]?زنم)"
    r"(?:\s+(?:بخورم|مصرف کنم|انجام بدم|بکنم|بزنم))?\s*(?:[.،!]|$))",
    re.IGNORECASE,
)
# A reason given with a refusal ("my insurance has a big copay", "i can't take more time off work"):
# still the refusal, not history.
DECLINE_REASON = re.compile(
    r"\b(?:afford|co-?pays?|deductible|expensive|costs?|insurance|time off)\b|هزینه|گرونه|بیمه",
    re.IGNORECASE,
)
# The reason for the visit as the doctor states it (→ the chief complaint), see ``stated_reason``.
# What follows "here with/for": never a companion ("with your daughter", "with me").
_COMPANION = (
    r"(?!(?:an? |the |her |his |your |my |their )?(?:husband|wife|daughter|son|mother|mom|father|dad|family|"
    r"friend|partner|kids?|children|parents?|sister|brother)\b)"
    r"(?!(?:me|us|you|him|her|them)(?: today| now| here)?\s*(?:[,.;?!]|$))"
)
_ARTICLE = r"(?:an? |the |her |his |your |my |their )?(?:evaluation of |a |an )?"
# Dictated anywhere in the visit: "... who presents today for follow-up of his chronic problems",
# "chief complaint is left arm pain", "آقای ۴۵ ساله با شکایت سرفه مراجعه کرده است".
REASON_DICTATED = re.compile(
    r"\b(?:presents?|presenting|is seen|comes in|came in)(?: today| to the clinic| in clinic| to clinic)*"
    rf"(?: today)? (?:for|with|because of|due to) {_COMPANION}{_ARTICLE}(?P<presents>[^,.;?]{{3,80}})"
    r"|\bchief complaint (?:is|of) (?P<chief>[^,.;?]{3,80})"
    r"|با شکایت(?: از)? (?P<fa_dictated>[^،,.؛;?؟]{2,60}?)\s*(?:مراجعه|آمده|اومده)",
    re.IGNORECASE,
)
# Said at the start of a visit only (later they are plans or findings): "a 48-year-old female here
# for shortness of breath", "I heard you're having a sore throat", "برای سردرد اومدید؟"
REASON_OPENING = re.compile(
    r"(?<!back )(?<!see you )(?<!see him )(?<!see her )"
    r"\b(?:(?:is |are |'re |am |'m )?here|coming in|in today|visiting)(?: today| to see me)*"
    rf" (?:for|with|because of|due to|regarding|about) {_COMPANION}{_ARTICLE}(?P<here>[^,.;?]{{3,80}})"
    r"|\b(?:i (?:hear|heard|see|saw|understand)|(?:it )?looks like|i'm told|told me|tells me)"
    r"(?: (?:in|with|from|on) (?:your|my|the) (?:notes|chart|records?))?(?: that)? you(?: you)?(?:'re|'ve| are| have)?"
    r"(?: been)? (?:(?:having|had|have|got)(?: some| a| an| the| your| this| that| these| those)? (?P<you_have>[^,.;?]{3,60})"
    r"|(?:hurt|injured|twisted|sprained|broke) (?:your |his |her )?(?P<hurt>[^,.;?]{3,40}))"
    r"|\bfor (?:an? )?evaluation of (?P<evaluation>[^,.;?]{3,60})"
    r"|(?:برای|به خاطر|بخاطر|به علت) (?!(?:چی|چه|چرا|کدام|کدوم)(?:\s|$))(?P<fa_opening>[^،,.؛;?؟]{2,40}?)\s*"
    r"(?:اومدی|اومدین|اومدید|آمدی|آمدید|آمده[\u200c ]?اید|مراجعه کرده|مراجعه کردید|مراجعه کردین)",
    re.IGNORECASE,
)
# where a stated reason runs on in an unpunctuated transcript ("shortness of breath with chf so tell me")
REASON_END = re.compile(
    r"\s+(?:(?:and|who|which|that)\s+(?:is|has|was|he|she)|so|also|okay|now|but|and (?:she|he|i|we|you)|"
    r"tell me|can you|could you|you're not|she has|he has|they|your (?:pcp|doctor))\b",
    re.IGNORECASE,
)
_TRAILING = re.compile(r"(?:\s+(?:and|or|with|of|for|the|a|an|to|in|on|your|my|his|her))+\s*$", re.IGNORECASE)
# "I see you have ..." states a reason only when what follows is a complaint, not "a lot going on"
_COMPLAINT_WORD = re.compile(
    r"\b(?:pain|ache|aching|hurt\w*|sore|injur\w*|swell\w*|problems?|trouble|difficulty|issues?|"
    r"bleeding|rash|lump|fever|cough|infection|fall|fell|stones?|sugars?|pressure)\b",
    re.IGNORECASE,
)


def stated_reason(text: str) -> tuple[int, int, bool, str] | None:
    """The span of the reason for the visit stated in ``text`` (a doctor's sentence), whether it is
    dictated (counts wherever it is) rather than said at the visit's start, and how it was said
    (``hurt``: "it looks like you hurt your left ankle", the span being the body part); None when
    there is none."""
    for pattern, dictated in ((REASON_DICTATED, True), (REASON_OPENING, False)):
        for m in pattern.finditer(text):
            name = next(k for k, v in m.groupdict().items() if v)
            start = m.start(name)
            what = _TRAILING.sub("", REASON_END.split(m.group(name))[0])
            start += len(what) - len(what.lstrip())
            what = what.strip()
            if len(what) < 2:
                continue
            if name == "you_have" and not (
                SYMPTOM_RE.search(what) or _COMPLAINT_WORD.search(what) or DIAGNOSIS.search(what)
            ):
                continue
            if name == "hurt":
                part = BODY_PART_RE.search(what)
                if part is None:
                    continue
                start, what = start + part.start(), what[: part.end()][part.start() :]
            return start, start + len(what), dictated, name
    return None


# Body-part complaints the symptom lexicon does not list: "my right wrist hurts", "pain in my knee".
BODY_PART = (
    r"(?:left |right )?(?:head|neck|back|lower back|chest|shoulder|arm|elbow|wrist|hand|finger|thumb|hip|"
    r"leg|knee|ankle|foot|toe|stomach|abdomen|belly|ear|eye|throat|jaw|tooth|side|groin|pelvis)"
)
BODY_PART_RE = re.compile(rf"\b{BODY_PART}\b", re.IGNORECASE)
PART_COMPLAINT = re.compile(
    rf"\bmy ({BODY_PART})(?:'s been|'s| (?:has been|is|was|keeps|started|just))? (?:(?:really|so|very|kind of|pretty) )?"
    r"(?:hurt(?:s|ing)?|sore|swollen|aching|killing me|bothering me)|"
    rf"\b(?:pain|hurt|injur\w+|swelling) (?:in|on|to) my ({BODY_PART})|"
    rf"\b(?:hurt|injured|twisted|sprained|broke|rolled|jammed|tweaked|wrenched) my ({BODY_PART})|"
    # "i got this tightness, right here in the middle of my chest", "a pressure in the front of my chest"
    rf"\b(?:tightness|pressure|heaviness|squeezing|discomfort|ache|aching)\b[^.;?!]{{0,30}}?\b(?:in|on|across) "
    rf"(?:the (?:middle|center|centre|front|left side|right side|top) of )?my ({BODY_PART})\b|"
    # "سرم درد می‌کنه", "زانوم خیلی درد داره", "زانوی راستم درد میکنه" (the side kept: "درد زانوی راست")
    r"\b((?:سر|کمر|شکم|دل|زانو|پا|دست|گلو|سینه|قفسه سینه|گوش|چشم|دندان|دندون|گردن|شانه|شونه|مچ)"
    r"(?:ی\s+(?:راست|چپ))?)(?:م|ش|تان|تون|ت)?"
    r"\s+(?:(?:هم|خیلی|کمی|یه کم|یکم|یک کم)\s+)*درد\s*(?:می[\u200c ]?کن(?:د|ه)|داره|دارد)",
    re.IGNORECASE,
)
#: the usual Persian name of a body part's pain (سر → سردرد), else "درد <part>"
FA_PART_PAIN = {"سر": "سردرد", "دل": "دل‌درد", "شکم": "دل‌درد"}


#: a Persian word a note may say something with: a body part, a symptom or a test word, a medicine word,
#: a habit, a bodily function ("سینه‌م", "قرص", "آزمایش", "سیگار", "دستشویی", "پریود"); with a spoken ending
FA_CLINICAL_WORD = re.compile(
    r"(?<![^\W\d_])(?:سر|سینه|قفسه|شکم|دل|معده|روده|مثانه|لوزه|غدد|غده|نبض|کمر|زانو|زانوی|پا|پای|دست|گوش|چشم|گلو|گردن|پشت|قلب|ریه|کلیه|"
    r"کبد|پوست|مچ|شونه|شانه|آرنج|انگشت|پهلو|دندون|دندان|لثه|بینی|دماغ|صورت|فک|ران|ساق|استخون|استخوان|مفصل|"
    r"عضله|رگ|خون|ادرار|دستشویی|جیش|مدفوع|اسهال|یبوست|پریود|قاعدگی|حامله|باردار|بارداری|زایمان|شیر|"
    r"درد|ورم|تب|سرفه|خلط|نفس|تنگی|تهوع|استفراغ|سوزش|خارش|لک|زخم|کبود|کبودی|بی[\u200c ]?حال|حال|خواب|اشتها|"
    r"وزن|لاغر|چاق|قرص|دارو|داروها|شربت|آمپول|سرم|قطره|پماد|کرم|اسپری|واکسن|آزمایش|عکس|سونو|سونوگرافی|نوار|"
    r"فشار|قند|چربی|کلسترول|تیروئید|حساسیت|عمل|جراحی|بستری|بیمارستان|اورژانس|سیگار|قلیون|قلیان|الکل|مشروب|"
    r"تریاک|مواد|ورزش|پیاده[\u200c ]?روی|رژیم|غذا|نمک|آب|چای|قهوه|کار|شغل|شیفت|سکته|سرطان|عرق|لرز|گیج|"
    r"غش|ضعف|بی[\u200c ]?حس|گزگز|حافظه|بیدار|غم|غمگین|ناراحت|استرس|اضطراب|عصبی|افسرده|حوصله|خسته|خستگی)"
    r"(?:[\u200c]?(?:ها|های|هام|ام|م|ت|ش|مون|تون|شون|ی|ای|ه|ا|اش|امو|مو|تو|شو))?(?![^\W\d_])"
)


# ------------------------------------------------------------------ clinical content of a remark
#: one word of this, a symptom, a diagnosis, a medicine, a body part or a number makes a remark
#: something a note may say; greetings, thanks, small talk and signposts name none of them ("sorry about
#: the wait", "congratulations on the wedding", "here's the plan", "that's a big jump")
CLINICAL_WORD = re.compile(
    r"\b(?:blood|pressure|heart|lungs?|kidneys?|liver|thyroid|sugars?|glucose|insulin|weight|pounds|kilos?|"
    r"pulses?|skin|rash|blisters?|swelling|swollen|puffy|tender\w*|fevers?|temperature|oxygen|breath\w*|"
    r"cough\w*|urine|pee\w*|stools?|bowels?|bleed\w*|bruis\w*|wounds?|sores?|ulcers?|lumps?|nerves?|"
    r"muscles?|joints?|bones?|spine|brain|vision|hearing|sleep\w*|mood|depress\w*|anxi\w*|stress|appetite|"
    r"diet|salt|sodium|fluids?|water|alcohol|drink\w*|smok\w*|exercis\w*|x-?rays?|scans?|mri|ct|ultrasound|"
    r"echo\w*|ekg|ecg|tests?|labs?|levels?|results?|exam\w*|infect\w*|virus|viral|bacteria\w*|antibiotics?|"
    r"antivirals?|medicines?|medications?|meds|pills?|tablets?|doses?|milligrams?|mg|prescri\w*|pharmacy|"
    r"surgery|surgeon|operation|procedure|vaccines?|vaccinat\w*|shots?|immuni\w*|therapy|counsel\w*|"
    r"symptoms?|pain\w*|aches?|aching|sore|risk|stroke|attack|clots?|diabet\w*|cholesterol|a1c|ldl|"
    r"pregnan\w*|contracepti\w*|stent|feet|legs?|walk\w*|stairs|falls?|fell|injur\w*|allerg\w*|"
    r"cardiolog\w*|referral|specialist|emergency|911|hospital\w*|clinic|nurse|appointment|follow[- ]?up|"
    r"daily|nightly|risks?|normal|abnormal|unremarkable|negative|positive|mild|moderate|severe|equal|reactive|"
    r"alert|oriented|appropriate|fluent|deficits?|mass|lesions?|history|conditions?|diagnos\w*|clinical|surgical|"
    r"medical|cardiac|workup|consult\w*|benign|malignant|sensory|motor|visual|optic|pupils?|eyes|extremit\w*|"
    r"affect|speech|a?symptom\w*|egd|testing|reveal\w*|elevated|controlled|stable|contusion|abrasion|"
    r"laceration|incision|scar|deformit\w*|hurt\w*|sting\w*|odou?r|vitals|treatment|food|eat\w*|ice|miralax|ent|dressing|bandage|crutch\w*|brace|splint|sling|cane|walker|"
    # what a finding looks or feels like: "the edges are clean", "the skin is warm and dry"
    r"clean|dry|intact|warm|cool|red|redness|pink|pale|soft|firm|smooth|regular|irregular|clear|dull|"
    r"heal\w*|drain\w*|ooz\w*|crust\w*|moist|"
    # how a complaint goes: "they've been getting worse", "it gets aggravated", "just a little uncomfortable"
    r"worse|worsening|improv\w*|aggravat\w*|uncomfortable|discomfort|grinding|flare\w*|therap\w*|dietici\w*|"
    # the endings of medical words: "hypotonia", "adenoma", "hysterectomy", "colonoscopy", "hematologist"
    r"\w+(?:itis|osis|oma|emia|opia|pathy|ectomy|otomy|oscopy|ology|ologist|ia))\b",
    re.IGNORECASE,
)
#: the doctor saying what he is about to do in the exam, or asking for a move ("let me press on your
#: ankles", "i'm going to stress the ligaments", "take a deep breath for me..."): nothing found yet
EXAM_NARRATION = re.compile(
    r"^\W*(?:(?:okay|ok|so|now|alright|all right|and|good|great|then)\W+)*"
    r"(?:let me|let's|i'm (?:just )?going to|i'm gonna|i'll|we'll|we're going to)\s+(?:just\s+|now\s+)?"
    r"(?:look|listen|press|push|squeeze|feel|examine|take a (?:quick )?look|have a look|stress|rotate|tap|touch|"
    r"get (?:the|your) \w+ up|go through)\b|"
    r"\bfor me\W*$",
    re.IGNORECASE,
)
#: what a plan sentence tells the patient to do ("the patient should take that for a full week", "hold off
#: on the pottery", "continue to ice it")
PLAN_VERB = re.compile(
    r"\b(?:take|use|apply|hold off|continue|stop|avoid|ice|elevate|rest|wear|cover|wash|give (?:it|them)|schedul\w*|"
    r"keep (?:fluids|it|the|your)|limit)\b",
    re.IGNORECASE,
)
#: a doctor asking for the patient's story without a question mark ("so tell me how you landed", "walk me
#: through what happened"): a question, no statement of the doctor's
ASKS_TO_TELL = re.compile(
    r"^\W*(?:(?:so|okay|ok|and|now|well|alright|all right)\W+)*(?:tell me|walk me through|describe)\b",
    re.IGNORECASE,
)
#: a doctor's statement inviting the patient to tell ("i hear you've got a rash", "tell me how you landed")
PROMPT = re.compile(
    ASKS_TO_TELL.pattern
    + r"|\bi (?:see|hear|understand|noticed?|know|read) (?:that )?(?:you|he|she|your|his|her)\b",
    re.IGNORECASE,
)
#: words that carry no content of an item's own: "denies chest pain or pressure" says chest, pain, pressure
FUNCTION_WORDS = frozenset(
    """a an the and or but of in on at to for with without from by as is are was were be been has have had do
    does did no not any some this that these those it its he she they him her them his their you your i my me
    we our denies reports there here so also just very little bit""".split()
)
#: a test asked for in words of wanting or ordering ("so i want a blood test, a basic metabolic panel, on
#: thursday", "i'd also like a cbc")
TEST_ORDER = re.compile(
    r"\b(?:want|like|need|order|get|do|check|repeat|draw|send(?:ing)? you)\b[^.;]{0,30}?\b(?:blood (?:test|work)|"
    r"labs?|panel|cbc|x-?ray|mri|ct scan|ultrasound|echo\w*|ekg|ecg|urine test|a1c|stool (?:test|sample)|"
    r"blood count)\b",
    re.IGNORECASE,
)
#: an order said as an imperative, perhaps after a lead-in ("the morning of surgery, take your levothyroxine")
IMPERATIVE = re.compile(
    r"^\W*(?:[^,.]{0,40},\s*)?(?:please )?(?:take|use|apply|stop|avoid|keep|hold off|continue|bring|drink|wear|"
    r"restart|book)\b",
    re.IGNORECASE,
)
