// words.hpp - the words of a text as the store's word index (`words`, store.hpp) keys them, and
// a search query in the same form. Pure functions over UTF-8 text (invalid bytes separate words).
//
// Normalising: NFKC, Unicode case folding (g_utf8_casefold), NFKC again: "TISKÁRNA",
// "Tiskárna" and a decomposed "Tiska\u0301rna" are all "tiskárna"; diacritics stay ("tiskarna"
// is another word), fullwidth and compatibility forms become their plain letters.
// Splitting: a word is a run of letters, digits and combining marks; everything else
// separates. A word has at least kMinWordChars characters and at most kMaxWordBytes bytes;
// longer runs (hashes, encoded junk, unsegmented CJK sentences) are not words.
// Addresses: every mail address in the text (local@domain.tld) is a word as a whole (at most
// kMaxAddressBytes), and so are its local part and its domain, besides their pieces: so
// "Jana.Novak@Firma.cz" gives "jana.novak@firma.cz", "jana.novak", "firma.cz", "jana", "novak",
// "firma", "cz".
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace deskgate {

inline constexpr std::size_t kMinWordChars = 2;
inline constexpr std::size_t kMaxWordBytes = 64;
inline constexpr std::size_t kMaxAddressBytes = 254;

// The distinct words of `text`, sorted (byte order).
std::vector<std::string> index_words(std::string_view text);

// Adds the words of `text` to `words` (unsorted, possibly repeated: sort_unique at the end).
void add_index_words(std::string_view text, std::vector<std::string>& words);

// Sorts and removes repeats.
void sort_unique(std::vector<std::string>& words);

// One command-line search argument as query words, normalised like index_words. A word
// directly followed by `*` is a prefix ("tisk*": every word starting with "tisk") and keeps the
// `*` at its end. An argument with an `@` is one word as a whole (an address, or with a final
// `*` an address prefix: "jana@firma*"); a leading `@` searches a domain ("@firma.cz").
// Pieces too short to be indexed are dropped (an argument may give no word at all).
std::vector<std::string> normalise_query(std::string_view argument);

// "tisk*" -> true; the word without its `*` is what matches.
inline bool is_prefix_query(std::string_view word) { return word.size() > 1 && word.back() == '*'; }

}  // namespace deskgate
