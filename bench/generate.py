"""A deterministic generator of realistic film records, at any size, as text film pages and as YAML.

``python -m bench.generate --size N --format page|yaml --out DIR [--seed S] [--per-file K]``

The same seed and size give byte-identical files. What the records look like:

* people are reused across films the way careers are: each role family (directors, cast, crew, producers) draws
  from its own pool with Zipf weights (weight of the k-th person ∝ 1/k^1.1), so a few people are credited on
  hundreds of films and most on one or two; directors often write their own screenplays and sometimes produce,
  and a few directors act;
* names come from 22 naming traditions in several scripts (Latin with diacritics, Cyrillic, Greek, Hebrew,
  Arabic, Japanese, Chinese, Korean); every generated person has a distinct name, also once accents are dropped
  (so one name is one person, as lodfilm's IRIs assume);
* 1–3 countries (real English names), 5–15 cast members with characters, 3–8 crew roles (screenplay, music and the
  page's crew labels), 1–2 producers, a production company, 0–3 co-producers, a world-sales agent with a full
  contact line, a ~600-character English synopsis, a source page with its retrieval date, a trailer for half;
* (title, year) is unique, also as lodfilm slugs it (``film/{slug(title)}-{year}``).

Layout on disk (what an archive's export looks like):

* ``page``: one page per file, as scraped (``data/illegal-2010.txt``'s layout), in folders of 1,000:
  ``DIR/0000/0000001-title.txt``;
* ``yaml``: bulk export files holding a list of ``--per-file`` films each (default 1,000; ``--per-file 1`` gives
  one film per file, the form an archivist edits by hand): ``DIR/films-0001.yaml``.

Both forms of one film read into the same record (the smoke test checks it).
"""

from __future__ import annotations

import argparse
import bisect
import datetime as dt
import itertools
import math
import random
import sys
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import yaml

# -- names ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Culture:
    """A naming tradition: given names, surnames, how they are joined, how common it is in the archive."""

    key: str
    weight: float
    given: tuple[str, ...]
    surnames: tuple[str, ...]
    surname_first: bool = False
    joined: bool = False  # CJK: no space between the parts


def _c(key: str, weight: float, given: str, surnames: str, **kw: Any) -> Culture:
    return Culture(key, weight, tuple(given.split("|")), tuple(surnames.split("|")), **kw)


CULTURES: tuple[Culture, ...] = (
    _c("fr", 12, "Olivier|Anne|Camille|Étienne|Hélène|Benoît|Céline|Loïc|Maëlle|Jérôme|Sébastien|Chloé|Agnès|"
       "François|Margaux|Thibault|Aurélie|Noémie|Raphaël|Élodie|Grégoire|Josiane|Léa|Mathieu|Zoé",
       "Dubois|Lefèvre|Moreau|Girard|Bonnaire|Rousseau|Fontaine|Chevalier|Mercier|Lemaître|Garnier|Faure|"
       "Barbier|Renaud|Delacroix|Marchand|Duval|Leclerc|Gauthier|Perrin|Roussel|Brunet|Masson|Caron|Aubert"),
    _c("de", 9, "Jürgen|Günter|Sabine|Uwe|Jörg|Heike|Maximilian|Annika|Björn|Katrin|Dietmar|Sönke|Ulrike|"
       "Matthias|Lena|Tobias|Friederike|Wolfgang|Karoline|Johannes",
       "Müller|Schäfer|Weiß|Krüger|Hoffmann|Schröder|Köhler|Wagner|Becker|Zimmermann|Brandt|Vogel|Hartmann|"
       "Lorenz|Fuchs|Kaiser|Sommer|Böhm|Engel|Voß"),
    _c("it", 8, "Giuseppe|Chiara|Niccolò|Francesca|Lorenzo|Giulia|Matteo|Alessandra|Federico|Ilaria|Gianluca|"
       "Beatrice|Pierpaolo|Ludovica",
       "Rossi|Bianchi|Esposito|Romano|Colombo|Ricci|Marino|Greco|Bruno|Gallo|Conti|De Luca|Mancini|Giordano|"
       "Lombardi|Moretti|Santoro|Ferrara"),
    _c("es", 7, "Alejandro|María José|Begoña|Íñigo|Lucía|Rodrigo|Nerea|Joaquín|Pilar|Gonzalo|Ainhoa|Sebastián",
       "García|Fernández|Martínez|Rodríguez|Sánchez|Gómez|Muñoz|Álvarez|Jiménez|Ruiz|Iglesias|Castaño|Ibáñez|"
       "Peña|Ortega|Belmonte"),
    _c("pt", 3, "João|Conceição|Gonçalo|Inês|Tiago|Leonor|Sérgio|Marta|Vítor|Beatriz",
       "Gonçalves|Araújo|Magalhães|Simões|Brandão|Gusmão|Assunção|Carvalho|Figueiredo|Monteiro|Teixeira|Lopes"),
    _c("pl", 6, "Małgorzata|Łukasz|Agnieszka|Wojciech|Katarzyna|Paweł|Zbigniew|Joanna|Krzysztof|Grażyna|Tomasz|"
       "Dorota|Michał|Ewa|Jędrzej|Bożena",
       "Wiśniewski|Wójcik|Kamiński|Lewandowski|Zieliński|Szymański|Woźniak|Dąbrowski|Kozłowski|Jankowski|"
       "Mazur|Krawczyk|Piotrowski|Grabowski|Pawłowski|Michalski|Król|Wieczorek|Jabłoński"),
    _c("cs", 4, "Jiří|Petra|Tomáš|Lenka|Zdeněk|Markéta|Ondřej|Kateřina|Vojtěch|Jana|Miloš|Hana|Radek|Věra",
       "Dvořák|Svoboda|Novotný|Černý|Procházka|Kučera|Veselý|Horák|Němec|Pokorný|Hájek|Jelínek|Růžička|Beneš|"
       "Fiala|Sedláček|Doležal|Zeman|Kolář"),
    _c("ro", 3, "Ioana|Mihai|Cătălin|Andreea|Ștefan|Raluca|Bogdan|Irina|Radu|Oana|Tudor|Mădălina",
       "Popescu|Ionescu|Dumitrescu|Stănescu|Georgescu|Constantinescu|Munteanu|Țurcanu|Moldovan|Lungu|Bălan|"
       "Stoica|Rădulescu|Vasilescu|Cristea"),
    _c("hu", 3, "László|Zsófia|Gábor|Erzsébet|Tamás|Katalin|Bálint|Ildikó|Zoltán|Réka|Péter|Judit",
       "Nagy|Kovács|Tóth|Szabó|Horváth|Varga|Kiss|Molnár|Németh|Farkas|Balogh|Papp|Takács|Juhász|Lakatos"),
    _c("nordic", 5, "Åsa|Sigríður|Þórunn|Jón|Guðrún|Søren|Ægir|Kristín|Mikkel|Freja|Ólafur|Ingrid|Mads|Linnéa",
       "Andersson|Johansson|Lindqvist|Åkesson|Sjöberg|Guðmundsdóttir|Sigurðsson|Þórsson|Jørgensen|Kjærgaard|"
       "Søndergaard|Halvorsen|Bergström|Nyström|Ekdahl"),
    _c("tr", 3, "Ayşe|Mehmet|Gülşen|Çağrı|Emre|Şebnem|Oğuz|Nilüfer|Barış|Özge|İlker|Deniz",
       "Yılmaz|Kaya|Demir|Şahin|Çelik|Yıldız|Öztürk|Aydın|Özdemir|Arslan|Doğan|Kılıç|Aslan|Çetin|Kara"),
    _c("en", 8, "John|Mary|Michael|Jennifer|David|Sarah|Robert|Emily|James|Olivia|Daniel|Grace|Ciarán|Siobhán",
       "Smith|Johnson|Williams|Brown|Jones|Miller|Davis|Wilson|Taylor|Clark|Walker|Hall|Young|King|Wright|"
       "O'Sullivan|MacLeod|Fitzgerald"),
    _c("ru", 4, "Ольга|Алексей|Наталья|Дмитрий|Екатерина|Сергей|Анна|Михаил|Ирина|Андрей|Татьяна|Юрий",
       "Смирнов|Иванов|Кузнецов|Соколов|Попов|Лебедев|Козлов|Новиков|Морозов|Волков|Павлов|Семёнов|Голубев|"
       "Виноградов|Богданов"),
    _c("bg", 2, "Стефан|Мария|Петър|Десислава|Георги|Радослава|Калин|Цветелина",
       "Стоянов|Петров|Георгиев|Димитров|Христов|Тодоров|Илиев|Колев|Ангелов|Маринов"),
    _c("el", 2, "Γιώργος|Ελένη|Νίκος|Κατερίνα|Δημήτρης|Σοφία|Γιάννης|Αθηνά|Κώστας|Μαρία",
       "Παπαδόπουλος|Οικονόμου|Γεωργίου|Αντωνίου|Νικολάου|Βασιλείου|Καραγιάννης|Μακρής|Λαμπράκης|Σταθόπουλος"),
    _c("he", 1, "נועה|יונתן|תמר|איתי|מיכל|עומר", "כהן|לוי|מזרחי|פרץ|ביטון|אברהם|פרידמן|שפירא"),
    _c("ar", 2, "يوسف|ليلى|كريم|نادية|عمر|سلمى|هشام|رانية", "منصور|حداد|خوري|نصار|العلي|الحسيني|عبد الله|سعيد"),
    _c("ja", 3, "裕和|直美|竜介|晃一|和子|陽子|健太|美咲|翔太|結衣",
       "佐藤|鈴木|高橋|田中|渡辺|伊藤|山本|中村|小林|加藤|吉田|山田", surname_first=True, joined=True),
    _c("zh", 3, "建国|晓明|丽华|志强|秀英|海燕|文博|雪梅|嘉欣|子豪", "王|李|张|刘|陈|杨|黄|赵|吴|周",
       surname_first=True, joined=True),
    _c("ko", 2, "민준|서연|지훈|하은|도윤|수빈|예준|지민", "김|이|박|최|정|강|조|윤|장|임",
       surname_first=True, joined=True),
    _c("vi", 1, "Thị Hương|Văn Minh|Ngọc Anh|Quốc Bảo|Thu Trang|Đức Thắng",
       "Nguyễn|Trần|Lê|Phạm|Hoàng|Huỳnh|Phan|Vũ|Đặng|Bùi", surname_first=True),
    _c("yo", 1, "Chiamaka|Oluwaseun|Ngozi|Adewale|Folake|Adébáyọ̀|Chinedu|Yétúndé",
       "Okonkwo|Adeyemi|Okafor|Balogun|Eze|Nwosu|Afolabi|Ògúnlẹ̀yẹ"),
    _c("in", 2, "Priya|Arjun|Ananya|Rahul|Kavya|Vikram|Meera|Siddharth",
       "Sharma|Patel|Iyer|Banerjee|Chatterjee|Reddy|Nair|Mukherjee|Ghosh|Rao"),
)
CJK_EXTRA = "一二三四五六七八九十"
INITIALS = "ABCDEFGHIJKLMNOPRSTVWZ"


def fold(text: str) -> str:
    """How lodfilm tells names apart in IRIs: case and accents dropped (``Müller`` and ``Muller`` are one)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c) and (c.isalnum()))


def _check_cultures() -> None:
    seen: dict[str, str] = {}
    for culture in CULTURES:
        for part in (culture.given, culture.surnames):
            keys = [fold(p) for p in part]
            assert len(set(keys)) == len(keys), f"{culture.key}: two names fold alike"
        for surname in culture.surnames:
            other = seen.setdefault(fold(surname), culture.key)
            assert other == culture.key, f"surname {surname} in {other} and {culture.key}"


_check_cultures()


def bijective(n: int, alphabet: str) -> str:
    """1 → A, 2 → B, …, len+1 → AA: every positive number its own string."""
    out = ""
    while n > 0:
        n, r = divmod(n - 1, len(alphabet))
        out = alphabet[r] + out
    return out


def person_name(culture: Culture, j: int) -> str:
    """The ``j``-th name of a culture; distinct ``j`` give names that differ also once accents are dropped."""
    g, s = len(culture.given), len(culture.surnames)
    layer, r = divmod(j, g * s)
    r = (r * _coprime(g * s)) % (g * s)  # scatter, so neighbours do not share a surname
    given, surname = culture.given[r % g], culture.surnames[r // g]
    if culture.joined:
        return surname + given + bijective(layer, CJK_EXTRA)
    middle = " ".join(f"{c}." for c in bijective(layer, INITIALS))
    parts = [surname, given] if culture.surname_first else [given, surname]
    if middle:
        parts.insert(1, middle)
    return " ".join(parts)


def _coprime(n: int) -> int:
    for candidate in (7919, 7907, 7901, 7883, 7879):
        if math.gcd(candidate, n) == 1:
            return candidate
    return 1


class Pool:
    """People (or organisations) with Zipf–Mandelbrot weights, ``1/(k + q)``: index 0 is the most credited.

    ``q`` is solved so that the most credited one is expected on ``top`` of the pool's ``draws`` credits; the
    rest follow the power law's long tail (most people get one or two credits).
    """

    def __init__(self, names: Sequence[str], *, draws: float, top: float) -> None:
        self.names = list(names)
        size = len(self.names)
        share = min(0.5, top / max(draws, 1.0))

        def top_share(q: float) -> float:
            return (1.0 / (1.0 + q)) / math.log((size + q + 0.5) / (q + 0.5))

        low, high = 0.0, 1e9
        for _ in range(100):
            mid = (low + high) / 2
            low, high = (mid, high) if top_share(mid) > share else (low, mid)
        q = low
        total = 0.0
        self.cumulative: list[float] = []
        for k in range(1, size + 1):
            total += 1.0 / (k + q)
            self.cumulative.append(total)
        self.total = total

    def draw(self, rng: random.Random) -> str:
        index = bisect.bisect_left(self.cumulative, rng.random() * self.total)
        return self.names[min(index, len(self.names) - 1)]

    def distinct(self, rng: random.Random, count: int, taken: set[str] | None = None) -> list[str]:
        taken = set() if taken is None else set(taken)
        out: list[str] = []
        while len(out) < min(count, len(self.names) - len(taken)):
            name = self.draw(rng)
            if name not in taken:
                taken.add(name)
                out.append(name)
        return out


def name_sequence(rng: random.Random) -> Iterator[str]:
    """Endless distinct person names, traditions drawn by their weight."""
    counters = dict.fromkeys((c.key for c in CULTURES), 0)
    weights = [c.weight for c in CULTURES]
    while True:
        culture = rng.choices(CULTURES, weights)[0]
        counters[culture.key] += 1
        yield person_name(culture, counters[culture.key] - 1)


# -- places, words, organisations -------------------------------------------------------------------------------

# (English name as records print it, weight): production countries of a European film archive's holdings.
COUNTRIES: tuple[tuple[str, float], ...] = (
    ("France", 14), ("Germany", 10), ("Italy", 8), ("Spain", 6), ("Belgium", 5), ("Netherlands", 3),
    ("Poland", 4), ("Czechia", 2), ("Romania", 2), ("Hungary", 2), ("Sweden", 3), ("Denmark", 3), ("Norway", 2),
    ("Finland", 2), ("Iceland", 1), ("Portugal", 2), ("Austria", 2), ("Switzerland", 2), ("Greece", 2),
    ("Bulgaria", 1), ("Turkey", 2), ("Russia", 3), ("United Kingdom", 7), ("Ireland", 1), ("United States", 9),
    ("Canada", 2), ("Mexico", 1), ("Argentina", 1), ("Brazil", 1), ("Chile", 1), ("Colombia", 1), ("Japan", 3),
    ("South Korea", 2), ("China", 2), ("Taiwan", 1), ("India", 2), ("Iran", 1), ("Israel", 1), ("Lebanon", 1),
    ("Egypt", 1), ("Morocco", 1), ("Tunisia", 1), ("Senegal", 1), ("Nigeria", 1), ("South Africa", 1),
    ("Australia", 1), ("Luxembourg", 2), ("Slovakia", 1), ("Slovenia", 1), ("Croatia", 1), ("Serbia", 1),
    ("Bosnia and Herzegovina", 1), ("North Macedonia", 1), ("Georgia", 1), ("Ukraine", 1), ("Lithuania", 1),
    ("Latvia", 1), ("Estonia", 1), ("Vietnam", 1), ("Philippines", 1),
)

# Title words by language: (language, weight, nouns, adjectives, joiner pattern).
TITLE_WORDS: tuple[tuple[str, float, str, str], ...] = (
    ("en", 10, "Night|River|Harbour|Silence|Summer|Daughter|Border|Garden|Winter|Road|Island|Mirror|Storm|Letter|"
     "Orchard|Stranger|Promise|Lighthouse|Frontier|Season",
     "Last|Quiet|Long|Bitter|Golden|Hidden|Distant|Broken|Wild|Small|Burning|Empty"),
    ("fr", 9, "Nuit|Rivière|Silence|Été|Fille|Frontière|Jardin|Hiver|Route|Île|Miroir|Tempête|Lettre|Étranger|"
     "Promesse|Saison|Mémoire|Ombre",
     "Dernière|Longue|Amère|Dorée|Cachée|Lointaine|Brisée|Sauvage|Petite|Vide|Blanche|Douce"),
    ("de", 6, "Nacht|Fluss|Hafen|Stille|Sommer|Tochter|Grenze|Garten|Winter|Straße|Insel|Spiegel|Sturm|Brief|"
     "Fremde|Versprechen|Heimat",
     "Letzte|Stille|Lange|Bittere|Goldene|Verborgene|Ferne|Wilde|Kleine|Leere|Kalte"),
    ("it", 5, "Notte|Fiume|Porto|Silenzio|Estate|Figlia|Confine|Giardino|Inverno|Strada|Isola|Specchio|Tempesta|"
     "Lettera|Promessa|Stagione",
     "Ultima|Lunga|Amara|Dorata|Nascosta|Lontana|Spezzata|Selvaggia|Piccola|Vuota|Dolce"),
    ("es", 4, "Noche|Río|Puerto|Silencio|Verano|Hija|Frontera|Jardín|Invierno|Camino|Isla|Espejo|Tormenta|Carta|"
     "Promesa|Estación",
     "Última|Larga|Amarga|Dorada|Escondida|Lejana|Rota|Salvaje|Pequeña|Vacía"),
    ("pl", 3, "Noc|Rzeka|Port|Cisza|Lato|Córka|Granica|Ogród|Zima|Droga|Wyspa|Lustro|Burza|List|Obietnica",
     "Ostatnia|Długa|Gorzka|Złota|Ukryta|Daleka|Złamana|Dzika|Mała|Pusta"),
    ("cs", 2, "Noc|Řeka|Přístav|Ticho|Léto|Dcera|Hranice|Zahrada|Zima|Cesta|Ostrov|Zrcadlo|Bouře|Dopis",
     "Poslední|Dlouhá|Hořká|Zlatá|Skrytá|Vzdálená|Divoká|Malá|Prázdná"),
    ("ro", 2, "Noapte|Râu|Port|Tăcere|Vară|Fiică|Graniță|Grădină|Iarnă|Drum|Insulă|Oglindă|Furtună|Scrisoare",
     "Ultima|Lungă|Amară|Ascunsă|Îndepărtată|Sălbatică|Mică|Goală"),
    ("ru", 3, "Ночь|Река|Гавань|Тишина|Лето|Дочь|Граница|Сад|Зима|Дорога|Остров|Зеркало|Буря|Письмо",
     "Последняя|Долгая|Горькая|Золотая|Тайная|Далёкая|Дикая|Малая|Пустая"),
    ("el", 1, "Νύχτα|Ποτάμι|Λιμάνι|Σιωπή|Καλοκαίρι|Κόρη|Σύνορο|Κήπος|Χειμώνας|Δρόμος|Νησί|Καθρέφτης",
     "Τελευταία|Μακριά|Πικρή|Χρυσή|Κρυμμένη|Άγρια|Μικρή"),
    ("tr", 2, "Gece|Nehir|Liman|Sessizlik|Yaz|Kız|Sınır|Bahçe|Kış|Yol|Ada|Ayna|Fırtına|Mektup",
     "Son|Uzun|Acı|Altın|Gizli|Uzak|Kırık|Vahşi|Küçük|Boş"),
    ("ja", 2, "夜|川|港|沈黙|夏|娘|国境|庭|冬|道|島|鏡|嵐|手紙", "最後の|長い|苦い|金色の|隠れた|遠い|小さな|静かな"),
)

PLACES = ("a fishing village", "the suburbs of Lyon", "a border town", "Bucharest", "a lighthouse on the coast",
          "a mining town", "Marseille", "the Arctic north", "a hospital in Warsaw", "Istanbul", "a Sicilian island",
          "the outskirts of Lisbon", "a cattle farm", "a boarding school", "Berlin", "a ferry crossing",
          "a mountain monastery", "a refugee camp", "Naples", "a shipyard", "Reykjavík", "a vineyard in Moldova",
          "Sofia", "a circus", "a small hotel", "the Danube delta", "Tbilisi", "a night train", "Antwerp",
          "a provincial theatre")
JOBS = ("nurse", "lorry driver", "teacher", "fisherman", "seamstress", "miner", "police officer", "cook",
        "photographer", "taxi driver", "farmer", "translator", "boxer", "priest", "factory worker", "cleaner",
        "journalist", "musician", "smuggler", "widow")
KIN = ("son", "daughter", "brother", "sister", "father", "mother", "grandmother", "husband", "wife", "best friend")
EVENTS = ("a letter arrives from a stranger", "the factory announces it will close", "a storm cuts the village off",
          "an old debt is called in", "the police begin asking questions", "a child goes missing",
          "the harvest fails", "a wedding is announced", "an inheritance is contested", "the border closes",
          "a body is found by the river", "the election comes to town")
TEMPLATES = (
    "{a}, a {age}-year-old {job} in {place}, has spent years keeping the peace between the people around {o}.",
    "When {event}, {a} must choose between loyalty to {ps} {kin} {b} and the life {p} has built.",
    "Between long shifts and longer nights, {a} begins to suspect that {b} is hiding something.",
    "{b} returns to {place} after twenty years, and nobody is pleased to see {o} again.",
    "The arrival of {b} turns the quiet routine of {place} upside down.",
    "As winter closes in, {a} and {b} are forced to face what happened the summer {a} left.",
    "What begins as a small lie grows into a conspiracy that reaches every house in {place}.",
    "{a} finds an unlikely ally in {b}, a {job} with secrets of {ps} own.",
    "It is a story about pride, silence and the cost of telling the truth.",
    "Told over a single weekend, the film follows {a} from the courtroom to the sea.",
    "With nothing left to lose, {a} sets out to find {ps} {kin} before the authorities do.",
    "The film is a portrait of a family, and of a country, learning to live with its past.",
)

STREETS: dict[str, tuple[str, tuple[tuple[str, str], ...], str]] = {
    # country → (street pattern, (postal code, locality)…, telephone prefix)
    "France": ("{n} rue {w}", (("75001", "Paris"), ("75011", "Paris"), ("69002", "Lyon"), ("13001", "Marseille")),
               "+33 1"),
    "Germany": ("{w}straße {n}", (("10119", "Berlin"), ("80331", "München"), ("50667", "Köln")), "+49 30"),
    "Italy": ("Via {w} {n}", (("00187", "Roma"), ("20121", "Milano"), ("10123", "Torino")), "+39 06"),
    "Spain": ("Calle de {w} {n}", (("28014", "Madrid"), ("08001", "Barcelona")), "+34 91"),
    "Denmark": ("{w}gade {n}", (("1620", "København"), ("8000", "Aarhus")), "+45 33"),
    "Belgium": ("{n} rue {w}", (("1000", "Bruxelles"), ("1050", "Ixelles")), "+32 2"),
}
STREET_WORDS = ("Lamartine", "Voltaire", "Garibaldi", "Goya", "Andersen", "Montaigne", "Schiller", "Verdi",
                "Cervantes", "Blixen", "Hugo", "Lessing")
COMPANY_WORDS = ("Aurora", "Northlight", "Versus", "Iris", "Dharamsala", "Prime Time", "Lumen", "Mistral",
                 "Odessa", "Kinoscope", "Tramontana", "Polar", "Zentropa North", "Sirocco", "Meridian", "Atalante",
                 "Parallax", "Saltwater", "Boreal", "Kestrel", "Lantern", "Halcyon", "Cinéphage", "Örnek",
                 "Żuraw", "Fjord", "Basalt", "Ostinato", "Quinta", "Rialto")
COMPANY_SUFFIXES = ("Films", "Productions", "Pictures", "Film", "Studio", "Media", "Cinema", "Entertainment")
SALES_SUFFIXES = ("Distribution", "International", "Sales", "World Sales", "Films International")
ROLE_LABELS = ("Cinematography", "Editing", "Sound", "Art direction", "Costumes", "Production design")
PUBLISHER = {"name": "Film Archive Online", "url": "https://archive.example.org"}


def organisation_names(words: Sequence[str], suffixes: Sequence[str]) -> Iterator[str]:
    """Endless distinct organisation names: word × suffix, then with a second word."""
    yield from (f"{w} {s}" for w in words for s in suffixes)
    for extra in itertools.count(1):
        word = bijective(extra, "".join(sorted({w[0] for w in STREET_WORDS})))
        yield from (f"{w} {word.capitalize()}{'ia' if len(word) < 3 else ''} {s}" for w in words for s in suffixes)


def ascii_domain(name: str) -> str:
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    return "".join(c for c in decomposed if c.isascii() and c.isalnum()) or "films"


def sales_agent(name: str, index: int) -> dict[str, Any]:
    """A sales agent's full contact, fixed by its name (one organisation, one address)."""
    rng = random.Random(f"sales:{name}")
    country = sorted(STREETS)[index % len(STREETS)]
    pattern, places, phone = STREETS[country]
    postal_code, locality = rng.choice(places)
    street = pattern.format(n=rng.randint(1, 120), w=rng.choice(STREET_WORDS))
    number = " ".join(f"{rng.randint(10, 99)}" for _ in range(4))
    domain = ascii_domain(name) + {"France": ".fr", "Germany": ".de", "Italy": ".it", "Spain": ".es",
                                   "Denmark": ".dk", "Belgium": ".be"}[country]
    return {
        "name": name,
        "address": {"street": street, "postal_code": postal_code, "locality": locality, "country": country},
        "telephone": f"{phone} {number}",
        "fax": f"{phone} {number[:-2]}{(int(number[-2:]) + 1) % 90 + 10}",
        "email": f"sales@{domain}",
        "url": f"http://www.{domain}",
    }


# -- films ----------------------------------------------------------------------------------------------------------


@dataclass
class Pools:
    directors: Pool
    cast: Pool
    crew: Pool
    producers: Pool
    companies: Pool
    sales: Pool


def make_pools(size: int, rng: random.Random) -> Pools:
    names = name_sequence(rng)

    def take(count: int) -> list[str]:
        return list(itertools.islice(names, count))

    n = float(size)
    return Pools(
        directors=Pool(take(int(size * 0.55) + 20), draws=1.1 * n, top=max(2.0, 0.3 * n**0.45)),
        cast=Pool(take(size * 4 + 200), draws=10 * n, top=max(2.0, 0.15 * n**0.65)),
        crew=Pool(take(size * 2 + 100), draws=6 * n, top=max(2.0, 0.1 * n**0.65)),
        producers=Pool(take(int(size * 0.7) + 20), draws=1.3 * n, top=max(2.0, 0.2 * n**0.5)),
        companies=Pool(list(itertools.islice(organisation_names(COMPANY_WORDS, COMPANY_SUFFIXES),
                                             size // 3 + 30)), draws=2 * n, top=max(2.0, 0.3 * n**0.6)),
        sales=Pool(list(itertools.islice(organisation_names(COMPANY_WORDS, SALES_SUFFIXES), size // 40 + 12)),
                   draws=n, top=max(2.0, 0.05 * n)),
    )


def title_for(rng: random.Random) -> tuple[str, str | None]:
    """(original title, English title or None when the original is English)."""
    language, _, nouns, adjectives = rng.choices(TITLE_WORDS, [t[1] for t in TITLE_WORDS])[0]
    noun, adjective = rng.choice(nouns.split("|")), rng.choice(adjectives.split("|"))
    shape = rng.random()
    if language == "ja":
        original = f"{adjective}{noun}" if shape < 0.6 else noun + rng.choice(nouns.split("|"))
    elif shape < 0.15:
        original = noun
    elif shape < 0.6:
        original = f"{adjective} {noun}" if language not in ("fr", "it", "es", "ro") else f"{noun} {adjective}"
    else:
        other = rng.choice(nouns.split("|"))
        original = f"{noun} {other.lower() if language != 'de' else other}"
    if language == "en":
        if shape >= 0.6:
            original = f"The {noun} and the {rng.choice(nouns.split('|'))}"
        elif shape >= 0.15:
            original = f"The {adjective} {noun}"
        return original, None
    en_nouns, en_adjectives = TITLE_WORDS[0][2].split("|"), TITLE_WORDS[0][3].split("|")
    return original, f"The {rng.choice(en_adjectives)} {rng.choice(en_nouns)}"


def synopsis_for(rng: random.Random, characters: list[str]) -> str:
    pronoun = rng.choice((("she", "her", "her"), ("he", "him", "his")))
    sentences: list[str] = []
    templates = list(TEMPLATES)
    rng.shuffle(templates)
    for template in itertools.cycle(templates):
        sentence = template.format(
            a=characters[0], b=characters[1 % len(characters)], age=rng.randint(17, 78), job=rng.choice(JOBS),
            place=rng.choice(PLACES), event=rng.choice(EVENTS), kin=rng.choice(KIN),
            p=pronoun[0], o=pronoun[1], ps=pronoun[2],
        )
        sentence = sentence[0].upper() + sentence[1:]
        if sentences and len(" ".join(sentences)) + len(sentence) > 680:
            break
        sentences.append(sentence)
        if len(" ".join(sentences)) >= 560:
            break
    return " ".join(sentences)


def character_name(rng: random.Random) -> str:
    culture = rng.choices(CULTURES, [c.weight for c in CULTURES])[0]
    given = rng.choice(culture.given)
    roll = rng.random()
    if roll < 0.55:
        return given
    if roll < 0.75:
        return person_name(culture, rng.randrange(len(culture.given) * len(culture.surnames)))
    title = rng.choice(("Inspector", "Doctor", "Madame", "Monsieur", "Father", "Aunt", "Captain", "Mayor"))
    return f"{title} {rng.choice(culture.surnames)}"


def films(size: int, seed: int = 1) -> Iterator[dict[str, Any]]:
    """``size`` film records (YAML field form), the same for the same seed and size."""
    rng = random.Random(f"lodfilm-bench:{seed}:{size}")
    pools = make_pools(size, rng)
    country_names, country_weights = zip(*COUNTRIES, strict=True)
    taken: set[tuple[str, int]] = set()
    for index in range(size):
        year = rng.choices(range(1920, 2025), [1 + (y - 1920) ** 1.5 for y in range(1920, 2025)])[0]
        for attempt in itertools.count():
            original, english = title_for(rng)
            if attempt >= 4:
                original = f"{original} {attempt - 2}"
            if (fold(original), year) not in taken:
                taken.add((fold(original), year))
                break
        directors = pools.directors.distinct(rng, 1 if rng.random() < 0.9 else 2)
        countries: list[str] = []
        while len(countries) < rng.choices((1, 2, 3), (55, 30, 15))[0]:
            country = rng.choices(country_names, country_weights)[0]
            if country not in countries:
                countries.append(country)
        cast_names = pools.cast.distinct(rng, rng.randint(5, 15))
        if rng.random() < 0.03:  # a director who acts
            cast_names[-1:] = pools.directors.distinct(rng, 1, set(cast_names) | set(directors))
        characters: list[str] = []
        for _ in cast_names:
            character = character_name(rng)
            while character in characters:
                character = character_name(rng)
            characters.append(character)
        film: dict[str, Any] = {"title": original}
        if english:
            film["alternate_titles"] = [{"text": english, "language": "en"}]
        film["directors"] = directors
        film["countries"] = countries
        film["runtime_minutes"] = max(60, min(210, int(rng.gauss(104, 20))))
        film["year"] = year
        film["synopsis_language"] = "en"
        film["synopsis"] = synopsis_for(rng, characters)
        # 3-8 crew roles: screenplay and music are fields of their own, the others crew credits by label.
        roles = rng.sample(("Screenplay", "Music", *ROLE_LABELS), rng.randint(3, 8))
        crew: list[dict[str, str]] = []
        for label in ("Screenplay", "Music", *ROLE_LABELS):
            if label not in roles:
                continue
            count = rng.choices((1, 2, 3), (70, 22, 8))[0]
            if label == "Screenplay":
                writers = list(directors) if rng.random() < 0.6 else []
                writers += pools.crew.distinct(rng, max(0, count - len(writers)), set(writers))
                film["screenplay"] = writers
            elif label == "Music":
                film["music"] = pools.crew.distinct(rng, count)
            else:
                crew += [{"role": label, "name": name} for name in pools.crew.distinct(rng, count)]
        producers = pools.producers.distinct(rng, rng.choices((1, 2), (70, 30))[0])
        if rng.random() < 0.2 and directors[0] not in producers:
            producers[-1] = directors[0]
        film["producers"] = producers
        companies = pools.companies.distinct(rng, rng.choices((1, 2, 3, 4), (40, 30, 20, 10))[0])
        film["production_companies"] = companies[:1]
        if companies[1:]:
            film["coproduction_companies"] = companies[1:]
        film["cast"] = [{"name": n, "character": c} for n, c in zip(cast_names, characters, strict=True)]
        if crew:
            film["crew"] = crew
        sales = pools.sales.draw(rng)
        film["world_sales"] = [sales_agent(sales, pools.sales.names.index(sales))]
        if rng.random() < 0.5:
            film["trailer"] = f"https://www.youtube.com/embed/{rng.randbytes(8).hex()[:11]}"
        retrieved = dt.date(2017, 1, 1) + dt.timedelta(days=rng.randrange(2900))
        film["sources"] = [{
            "url": f"{PUBLISHER['url']}/films/{quote(fold_slug(original))}-{year}",
            "retrieved": retrieved,
            "publisher": dict(PUBLISHER),
        }]
        film["_index"] = index
        yield film


def fold_slug(title: str) -> str:
    decomposed = unicodedata.normalize("NFKD", title.casefold())
    kept = "".join(c for c in decomposed if not unicodedata.combining(c))
    return "-".join("".join(c if c.isalnum() else " " for c in kept).split()) or "film"


# -- writing ---------------------------------------------------------------------------------------------------


def page_text(film: dict[str, Any]) -> str:
    """The film as a text page, in the layout of ``data/illegal-2010.txt``."""
    title = film["title"]
    if film.get("alternate_titles"):
        title += f" ({film['alternate_titles'][0]['text']})"
    source = film["sources"][0]
    lines = [
        f"Published on *{source['publisher']['name']}* (<{source['publisher']['url']}>)", "",
        f"[Home](#) > [{title}](#)", "",
        title, "", ", ".join(film["directors"]), "",
        *(line for country in film["countries"] for line in (country, "")),
        f"{film['runtime_minutes']} min", "", str(film["year"]), "", "",
        "Synopsis:", "", film["synopsis"], "",
    ]
    if film.get("screenplay"):
        lines += [f"Screenplay: {', '.join(film['screenplay'])}", ""]
    crew: dict[str, list[str]] = {}
    for credit in film.get("crew", []):
        crew.setdefault(credit["role"], []).append(credit["name"])
    for label, people in crew.items():
        if label == "Editing":  # the value on the line after the label, as the LUX pages write some credits
            lines += [f"{label}:", "", ", ".join(people), ""]
        else:
            lines += [f"{label}: {', '.join(people)}", ""]
    if film.get("music"):
        lines += [f"Music: {', '.join(film['music'])}", ""]
    cast = ", ".join(f"{c['name']} ({c['character']})" for c in film["cast"])
    lines += [f"Cast: {cast}", "", f"Producer: {', '.join(film['producers'])}", "",
              f"Production: {', '.join(film['production_companies'])}", ""]
    if film.get("coproduction_companies"):
        lines += [f"Co-production: {', '.join(film['coproduction_companies'])}", ""]
    for agent in film["world_sales"]:
        a = agent["address"]
        lines += [f"World sales: {agent['name']} {a['street']}, {a['postal_code']} {a['locality']}, {a['country']} "
                  f"Tél : {agent['telephone']} Fax : {agent['fax']} {agent['email']} "
                  f"{agent['url'].removeprefix('http://')}", ""]
    lines += [f"Source URL (retrieved on {source['retrieved']:%d-%m-%Y}): <{source['url']}>", ""]
    if film.get("trailer"):
        lines += ["Links:", "", "[1]", "", f"<{film['trailer']}>"]
    return "\n".join(lines).rstrip("\n") + "\n"


def yaml_record(film: dict[str, Any]) -> dict[str, Any]:
    """The film as a YAML record: the page's fields, with sales countries as ISO codes (as the page reader
    resolves them)."""
    from lodfilm.countries import country_code

    out = {k: v for k, v in film.items() if not k.startswith("_")}
    out["world_sales"] = [
        {**agent, "address": {**agent["address"], "country": country_code(agent["address"]["country"])}}
        for agent in film["world_sales"]
    ]
    return out


Dumper: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def file_stem(film: dict[str, Any]) -> str:
    return f"{film['_index'] + 1:07d}-{fold_slug(film['title'])[:40]}"


def write(size: int, fmt: str, out: Path, *, seed: int = 1, per_file: int = 1000) -> list[Path]:
    """Write ``size`` films under ``out`` as pages or YAML; the files written, in order."""
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    if fmt == "page":
        for film in films(size, seed):
            folder = out / f"{film['_index'] // 1000:04d}"
            folder.mkdir(exist_ok=True)
            path = folder / f"{file_stem(film)}.txt"
            path.write_text(page_text(film), encoding="utf-8")
            written.append(path)
        return written
    if fmt != "yaml":
        raise ValueError(f"unknown format {fmt!r}")
    header = f"# lodfilm bench: generated film records (seed {seed}, size {size}); see bench/generate.py\n"

    def dump(path: Path, document: Any) -> None:
        text = yaml.dump(document, Dumper=Dumper, allow_unicode=True, sort_keys=False, width=120)
        path.write_text(header + text, encoding="utf-8")
        written.append(path)

    chunk: list[dict[str, Any]] = []
    for film in films(size, seed):
        if per_file == 1:
            folder = out / f"{film['_index'] // 1000:04d}"
            folder.mkdir(exist_ok=True)
            dump(folder / f"{file_stem(film)}.yaml", yaml_record(film))
            continue
        chunk.append(yaml_record(film))
        if len(chunk) >= per_file:
            dump(out / f"films-{len(written) + 1:04d}.yaml", chunk)
            chunk = []
    if chunk:
        dump(out / f"films-{len(written) + 1:04d}.yaml", chunk)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.generate", description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, required=True, help="number of films")
    parser.add_argument("--format", choices=("page", "yaml"), default="page")
    parser.add_argument("--out", type=Path, required=True, help="folder to write into")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--per-file", type=int, default=1000, help="films per YAML file (1: one file per film)")
    args = parser.parse_args(argv)
    paths = write(args.size, args.format, args.out, seed=args.seed, per_file=args.per_file)
    print(f"{args.size} films in {len(paths)} {args.format} files under {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
