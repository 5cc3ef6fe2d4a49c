// template.cpp - {{placeholder}} templates (see template.hpp): one tokenizer shared by the
// checker and the renderer, so what config/ accepts is exactly what renders.
#include "core/base/template.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace deskgate {
namespace {

struct Token {
    enum class Kind { Text, Value, Open, Close } kind = Kind::Text;
    std::string_view text;  // literal text, or the placeholder name (trimmed)
    std::size_t offset = 0;
};

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

// Splits into tokens; an unterminated "{{" is reported in `errors` and kept as text.
std::vector<Token> tokenize(std::string_view text, std::vector<TemplateError>* errors) {
    std::vector<Token> out;
    std::size_t pos = 0;
    while (pos < text.size()) {
        const std::size_t open = text.find("{{", pos);
        if (open == std::string_view::npos) {
            out.push_back({Token::Kind::Text, text.substr(pos), pos});
            break;
        }
        if (open > pos) out.push_back({Token::Kind::Text, text.substr(pos, open - pos), pos});
        const std::size_t close = text.find("}}", open + 2);
        if (close == std::string_view::npos) {
            if (errors) errors->push_back({open, "unterminated '{{' (expected '}}')"});
            out.push_back({Token::Kind::Text, text.substr(open), open});
            break;
        }
        std::string_view inner = trim(text.substr(open + 2, close - open - 2));
        Token t{Token::Kind::Value, inner, open};
        if (!inner.empty() && inner.front() == '#') {
            t.kind = Token::Kind::Open;
            t.text = trim(inner.substr(1));
        } else if (!inner.empty() && inner.front() == '/') {
            t.kind = Token::Kind::Close;
            t.text = trim(inner.substr(1));
        }
        out.push_back(t);
        pos = close + 2;
    }
    return out;
}

std::string header_safe(std::string_view s) {
    std::string out(s);
    for (char& c : out) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u == 0x7F) c = ' ';
    }
    return out;
}

}  // namespace

const std::vector<std::string_view>& known_placeholders() {
    static const std::vector<std::string_view> names = {
        "ticket.number", "ticket.subject",   "ticket.created", "ticket.status",
        "ticket.tag",    "queue.title",      "queue.number",   "queue.name",
        "queue.address", "customer.name",    "customer.id",    "user.alias",
        "user.name",     "message.body",     "message.quote",  "message.from",
        "attachments",   "deadline.reaction", "deadline.resolution", "reply.text",
        "message.attribution"};
    return names;
}

std::vector<TemplateError> check_template(std::string_view text,
                                          const std::vector<std::string_view>* allowed) {
    std::vector<TemplateError> errors;
    const auto& names = allowed ? *allowed : known_placeholders();
    std::vector<Token> open_sections;
    for (const Token& t : tokenize(text, &errors)) {
        if (t.kind == Token::Kind::Text) continue;
        if (t.text.empty()) {
            errors.push_back({t.offset, "empty placeholder '{{}}'"});
            continue;
        }
        if (std::find(names.begin(), names.end(), t.text) == names.end()) {
            errors.push_back({t.offset, fmt::format("unknown placeholder {{{{{}}}}}", t.text)});
        }
        if (t.kind == Token::Kind::Open) {
            // Each close searches the open sections: a cap on their depth keeps that linear in the
            // text (40 000 opens and as many stray closes took minutes; tests/fuzz/template.cpp).
            if (open_sections.size() >= kMaxTemplateNesting) {
                errors.push_back({t.offset, fmt::format("sections nested deeper than {}", kMaxTemplateNesting)});
                continue;
            }
            open_sections.push_back(t);
        }
        if (t.kind == Token::Kind::Close) {
            const auto open = std::find_if(open_sections.rbegin(), open_sections.rend(),
                                           [&](const Token& o) { return o.text == t.text; });
            if (open == open_sections.rend()) {
                errors.push_back({t.offset, fmt::format("'{{{{/{}}}}}' closes no open section", t.text)});
            } else if (open != open_sections.rbegin()) {
                errors.push_back({t.offset, fmt::format("'{{{{/{}}}}}' crosses '{{{{#{}}}}}' (at offset {}), "
                                                        "which must be closed first",
                                                        t.text, open_sections.back().text,
                                                        open_sections.back().offset)});
                open_sections.erase(std::next(open).base());
            } else {
                open_sections.pop_back();
            }
        }
    }
    for (const Token& t : open_sections)
        errors.push_back({t.offset, fmt::format("section '{{{{#{}}}}}' is never closed", t.text)});
    return errors;
}

std::string render_template(std::string_view text, const TemplateLookup& lookup,
                            TemplateContext context) {
    std::string out;
    int skipping = 0;  // depth of sections being skipped
    for (const Token& t : tokenize(text, nullptr)) {
        switch (t.kind) {
        case Token::Kind::Text:
            if (!skipping) out.append(t.text);
            break;
        case Token::Kind::Value:
            if (!skipping) {
                if (auto v = lookup(t.text))
                    out += context == TemplateContext::Header ? header_safe(*v) : *v;
            }
            break;
        case Token::Kind::Open:
            if (skipping) {
                ++skipping;
            } else {
                auto v = lookup(t.text);
                if (!v || v->empty()) skipping = 1;
            }
            break;
        case Token::Kind::Close:
            if (skipping) --skipping;
            break;
        }
    }
    return context == TemplateContext::Header ? header_safe(out) : out;
}

}  // namespace deskgate
