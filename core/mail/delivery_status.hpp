// delivery_status.hpp - the per-recipient fields of a delivery status notification's
// message/delivery-status part (RFC 3464): whom a report concerns, what happened, and the
// words of the server that refused - so a failure report can be logged with the reason the
// server gave ("550 5.7.60 SendAsDenied ..."). Pure text parsing; the values are untrusted:
// control characters are replaced, lengths and the number of recipients are capped.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace deskgate {

struct DeliveryStatus {
    std::string final_recipient;  // the address, without its "rfc822;" type
    std::string action;           // lower case: "failed", "delayed", "delivered", ...
    std::string status;           // "5.7.1"
    std::string remote_mta;       // without its "dns;" type
    std::string diagnostic;       // without its "smtp;" type, unfolded: "550 5.7.60 SendAsDenied ..."
};

// The recipient blocks of a message/delivery-status body (the per-message block, which names
// no Final-Recipient, is skipped). At most 100 recipients; each value at most 1000 bytes.
std::vector<DeliveryStatus> parse_delivery_status(std::string_view part);

}  // namespace deskgate
