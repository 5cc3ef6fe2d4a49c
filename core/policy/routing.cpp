// routing.cpp - see routing.hpp. Regexes run through RE2 (linear time on untrusted mail).
#include "core/policy/routing.hpp"
#include "core/base/text.hpp"

#include <re2/re2.h>

#include <algorithm>
#include <cctype>

#include "core/base/wildcard.hpp"

namespace deskgate {
namespace {



// One candidate string against the condition's match kind (pattern is already lower case
// for the non-regex kinds).
bool value_matches(const RuleCondition& c, std::string_view value) {
    switch (c.kind) {
    case MatchKind::Equals: return lower(value) == c.pattern;
    case MatchKind::Contains: return lower(value).find(c.pattern) != std::string::npos;
    case MatchKind::Wildcard: return wildcard_match(c.pattern, value);
    case MatchKind::Regex: return c.regex && RE2::PartialMatch(value, *c.regex);
    }
    return false;
}

// The strings a field offers: an address field offers each address and each display name.
std::vector<std::string_view> candidates(const RuleCondition& c, const ParsedMessage& m) {
    std::vector<std::string_view> out;
    auto add_mailboxes = [&](const std::vector<Mailbox>& boxes) {
        for (const auto& b : boxes) {
            if (!b.address.empty()) out.push_back(b.address);
            if (!b.name.empty()) out.push_back(b.name);
        }
    };
    switch (c.field) {
    case RuleField::From:
        if (m.from) {
            if (!m.from->address.empty()) out.push_back(m.from->address);
            if (!m.from->name.empty()) out.push_back(m.from->name);
        }
        break;
    case RuleField::To: add_mailboxes(m.to); break;
    case RuleField::Cc: add_mailboxes(m.cc); break;
    case RuleField::Subject: out.push_back(m.subject); break;
    case RuleField::Body: out.push_back(m.text_body); break;
    case RuleField::Header:
        for (const auto& h : m.headers)
            if (iequals(h.name, c.header)) out.push_back(h.value);
        break;
    }
    return out;
}

}  // namespace

bool condition_matches(const RuleCondition& c, const ParsedMessage& m) {
    const auto values = candidates(c, m);
    bool any = std::any_of(values.begin(), values.end(),
                           [&](std::string_view v) { return value_matches(c, v); });
    return c.negate ? !any : any;
}

RoutingResult evaluate_rules(const std::vector<Rule>& rules, const ParsedMessage& m) {
    RoutingResult result;
    for (const auto& rule : rules) {
        bool match = rule.match_all;
        for (const auto& c : rule.conditions) {
            bool ok = condition_matches(c, m);
            if (rule.match_all && !ok) { match = false; break; }
            if (!rule.match_all && ok) { match = true; break; }
        }
        if (rule.conditions.empty()) match = false;
        if (!match) continue;
        result.matched.push_back(rule.name);
        const auto& a = rule.actions;
        if (a.category) result.actions.category = a.category;
        if (a.priority) result.actions.priority = a.priority;
        if (a.queue) result.actions.queue = a.queue;
        if (a.assignee) result.actions.assignee = a.assignee;
        for (const auto& t : a.tags)
            if (std::find(result.actions.tags.begin(), result.actions.tags.end(), t) ==
                result.actions.tags.end())
                result.actions.tags.push_back(t);
        if (a.refuse || a.discard) {
            result.actions.refuse = a.refuse;
            result.actions.discard = a.discard && !a.refuse;
            result.deciding_rule = rule.name;
            break;
        }
        if (rule.stop) break;
    }
    return result;
}

}  // namespace deskgate
