// html_text.cpp - HTML to plain text with libxml2's forgiving HTML parser (see html_text.hpp).
// A citation (<blockquote type="cite">, Gmail's and Proton's quote classes) keeps its meaning:
// its lines are prefixed with "> " per level, as a text/plain reply would quote them, so the
// reply extractor (reply_text.cpp) sees where the quoted original is. A plain <blockquote> is
// layout (Gmail's indent button makes one) and is not prefixed.
#include "core/mail/html_text.hpp"

#include <libxml/HTMLparser.h>
#include <libxml/tree.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <memory>
#include <optional>
#include <string>

#include "core/mail/html_bounds.hpp"

namespace deskgate {
namespace {

bool name_is(const xmlNode* node, std::initializer_list<const char*> names) {
    const char* n = reinterpret_cast<const char*>(node->name);
    if (!n) return false;
    for (const char* candidate : names)
        if (std::strcmp(n, candidate) == 0) return true;
    return false;
}

bool is_block(const xmlNode* node) {
    return name_is(node, {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6",
                          "blockquote", "pre", "ul", "ol", "table", "hr", "dl", "dt", "dd",
                          "section", "article", "header", "footer", "address", "form", "body"});
}

// The value of attribute `name`, "" if absent.
std::string attribute(const xmlNode* node, const char* name) {
    xmlChar* v = xmlGetProp(node, reinterpret_cast<const xmlChar*>(name));
    if (!v) return {};
    std::string out(reinterpret_cast<const char*>(v));
    xmlFree(v);
    return out;
}

// A blockquote a mail client made to quote the original (not one made for indentation).
bool is_citation(const xmlNode* node) {
    if (!name_is(node, {"blockquote"})) return false;
    std::string type = attribute(node, "type");
    for (auto& c : type) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (type == "cite") return true;
    const std::string cls = attribute(node, "class");
    return cls.find("gmail_quote") != std::string::npos || cls.find("protonmail_quote") != std::string::npos;
}

class TextBuilder {
public:
    void enter_citation() { ++quote_depth_; }
    void leave_citation() { --quote_depth_; }

    void text(std::string_view s, bool preformatted) {
        for (char c : s) {
            if (preformatted) {
                put(c == '\r' ? '\n' : c);
                continue;
            }
            if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f') {
                pending_space_ = true;
                continue;
            }
            if (pending_space_ && !out_.empty() && out_.back() != '\n') put(' ');
            pending_space_ = false;
            put(c);
        }
    }
    void line_break() {
        pending_space_ = false;
        while (!out_.empty() && out_.back() == ' ') out_.pop_back();
        if (!out_.empty() && out_.back() != '\n') put('\n');
    }
    void paragraph_break() {
        line_break();
        if (!out_.empty() && (out_.size() < 2 || out_[out_.size() - 2] != '\n')) put('\n');
    }
    std::string finish() {
        // At most one blank line in a row, no trailing spaces, trimmed.
        std::string clean;
        std::size_t newlines = 0;
        for (char c : out_) {
            if (c == '\n') {
                while (!clean.empty() && clean.back() == ' ') clean.pop_back();
                if (++newlines > 2) continue;
            } else {
                newlines = 0;
            }
            clean.push_back(c);
        }
        const auto b = clean.find_first_not_of(" \n");
        if (b == std::string::npos) return {};
        const auto e = clean.find_last_not_of(" \n");
        return clean.substr(b, e - b + 1);
    }

private:
    void put(char c) {
        if (quote_depth_ > 0 && c != '\n' && (out_.empty() || out_.back() == '\n'))
            for (int i = 0; i < quote_depth_; ++i) out_ += "> ";
        out_.push_back(c);
    }
    std::string out_;
    bool pending_space_ = false;
    int quote_depth_ = 0;
};

void walk(const xmlNode* node, TextBuilder& out, bool pre, int depth) {
    for (; node; node = node->next) {
        if (depth > 200) return;
        if (node->type == XML_TEXT_NODE || node->type == XML_CDATA_SECTION_NODE) {
            if (node->content) out.text(reinterpret_cast<const char*>(node->content), pre);
            continue;
        }
        if (node->type != XML_ELEMENT_NODE) continue;
        if (name_is(node, {"script", "style", "head", "title", "template", "noscript"})) continue;
        if (name_is(node, {"br"})) {
            out.line_break();
            continue;
        }
        const bool block = is_block(node);
        const bool paragraph = name_is(node, {"p", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote",
                                              "pre", "table", "ul", "ol"});
        if (paragraph) out.paragraph_break();
        else if (block) out.line_break();
        if (name_is(node, {"li"})) out.text("- ", true);
        if (name_is(node, {"td", "th"})) out.text(" ", false);
        const bool citation = is_citation(node);
        if (citation) out.enter_citation();
        walk(node->children, out, pre || name_is(node, {"pre"}), depth + 1);
        if (citation) {
            out.line_break();
            out.leave_citation();
        }
        if (paragraph) out.paragraph_break();
        else if (block) out.line_break();
    }
}

struct DocFree {
    void operator()(xmlDoc* d) const { xmlFreeDoc(d); }
};

}  // namespace

std::string html_to_text(std::string_view html_in) {
    if (html_in.empty()) return {};
    // libxml2 takes quadratic time in one element's attributes: cut them first (html_bounds.hpp).
    const std::optional<std::string> bounded = bound_html_attributes(html_in);
    const std::string_view html = bounded ? std::string_view(*bounded) : html_in;
    std::unique_ptr<xmlDoc, DocFree> doc(htmlReadMemory(
        html.data(), static_cast<int>(std::min<std::size_t>(html.size(), 64u << 20)), nullptr, "UTF-8",
        HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | HTML_PARSE_NONET |
            HTML_PARSE_NOBLANKS));
    if (!doc) return {};
    TextBuilder out;
    walk(xmlDocGetRootElement(doc.get()), out, false, 0);
    return out.finish();
}

}  // namespace deskgate
