// routing.hpp - ordered routing rules (BRIEF rule 4): conditions on from, to, cc, subject,
// body and any header; the actions of every matching rule apply in order (a later rule
// overrides an earlier one's category/priority/queue/assignee, tags accumulate); refuse and
// discard end evaluation, as does a matching rule with `stop`.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/model/config.hpp"
#include "core/mail/message.hpp"

namespace deskgate {

struct RoutingResult {
    RuleActions actions;                // merged actions of every matching rule
    std::vector<std::string> matched;   // names of the rules that matched, in order
    std::string deciding_rule;          // the rule that refused/discarded ("" otherwise)
};

// True when one condition holds for the message.
bool condition_matches(const RuleCondition& condition, const ParsedMessage& message);

RoutingResult evaluate_rules(const std::vector<Rule>& rules, const ParsedMessage& message);

}  // namespace deskgate
