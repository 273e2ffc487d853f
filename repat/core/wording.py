"""Is a reason written in words? A reason that must justify something (opening a case in an
emergency) has to say something: several real words, in any script, not one token repeated,
letters hammered on a keyboard row or a string of consonants.

This is a filter against junk, not a judge of honesty: the reason is recorded and read by people."""

import re

# Words: letters of any script, with apostrophes or hyphens inside ("o'g'il", "Ysyk-Ata", "don't").
WORD = re.compile(r"[^\W\d_]+(?:['‘’ʼ-][^\W\d_]+)*")
MIN_WORDS = 5
MIN_DISTINCT = 4
# Share of the words that must look like words (so a real phrase cannot carry a row of junk).
MIN_SHARE = 0.6
LONGEST_WORD = 30
# Keyboard rows of the layouts people here type on (Latin, Russian and Kyrgyz Cyrillic), and digits.
KEYBOARD_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm", "йцукенгшщзхъ", "фывапролджэ", "ячсмитьбю", "өүң")
VOWELS = set("aeiouyаеёиоуыэюяөүіәұ")
LATIN_OR_CYRILLIC = re.compile(r"[a-zа-яёөүңіәұғқһ]")


def _keyboard_run(word: str) -> int:
    """The longest stretch of the word typed along one keyboard row, either way."""
    longest = 0
    for row in KEYBOARD_ROWS:
        for line in (row, row[::-1]):
            for start in range(len(word)):
                end = start
                while end < len(word) and word[start : end + 1] in line:
                    end += 1
                longest = max(longest, end - start)
    return longest


def _looks_like_a_word(word: str) -> bool:
    word = word.casefold()
    letters = [c for c in word if c.isalpha()]
    if len(letters) < 2 or len(letters) > LONGEST_WORD or len(set(letters)) == 1:
        return False
    if LATIN_OR_CYRILLIC.search(word):
        # Alphabets that write their vowels: a word has one, and no long run of consonants.
        if not VOWELS.intersection(word):
            return False
        if re.search(r"[^\W\d_aeiouyаеёиоуыэюяөүіәұ'’ʼ-]{6,}", word):
            return False
        run = _keyboard_run(word)
        if run >= 4 and run >= 0.75 * len(word):
            return False
    return True


def is_written_in_words(text: str) -> bool:
    words = WORD.findall(text or "")
    real = [word.casefold() for word in words if _looks_like_a_word(word)]
    return len(real) >= MIN_WORDS and len(set(real)) >= MIN_DISTINCT and len(real) >= MIN_SHARE * len(words)
