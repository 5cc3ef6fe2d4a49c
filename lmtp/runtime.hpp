// runtime.hpp - one loaded configuration and the engine built on it, shared immutably by all
// sessions; a reload builds a new one and swaps the pointer (old sessions finish on the old).
#pragma once

#include <memory>

#include "core/model/config.hpp"
#include "core/decision/engine.hpp"

namespace deskgate::lmtp {

struct Runtime {
    explicit Runtime(Config c) : config(std::move(c)), engine(config) {}
    Runtime(const Runtime&) = delete;
    Runtime& operator=(const Runtime&) = delete;

    const Config config;
    const Engine engine;  // refers to `config`
};

}  // namespace deskgate::lmtp
