#pragma once
/// The systemd notification protocol (sd_notify(3)) without libsystemd: one datagram per
/// message to the AF_UNIX socket named by $NOTIFY_SOCKET (a leading '@' names the abstract
/// namespace). Outside systemd (no $NOTIFY_SOCKET) every call is a no-op.
#include <optional>
#include <string>
#include <string_view>
#include "slawatch/model/result.hpp"
#include "slawatch/model/time.hpp"

namespace slawatch::app {

/// Sends `message` ("READY=1", "RELOADING=1", "STOPPING=1", "STATUS=...", "WATCHDOG=1",
/// several joined by '\n') to $NOTIFY_SOCKET. True when sent or when there is no socket to
/// send to (not under systemd); false when sending failed. Thread-safe.
bool notify(std::string_view message);

/// "RELOADING=1\nMONOTONIC_USEC=<CLOCK_MONOTONIC in µs>" (the timestamp is required by
/// systemd ≥ 253 and ignored by 252). Send notify("READY=1") when the reload is done.
bool notify_reloading();

/// Sends one datagram to the socket at `socket_path` ('@' prefix = abstract namespace).
/// Errors: "NOTIFY_SOCKET: path too long: <path>", "NOTIFY_SOCKET: <reason>".
result<bool> notify_to(std::string_view socket_path, std::string_view message);

/// The watchdog ping interval systemd asked for: half of $WATCHDOG_USEC, when that is set,
/// positive, and $WATCHDOG_PID is unset or this process. nullopt: no watchdog.
std::optional<duration> watchdog_interval();

/// Same, from explicit values of WATCHDOG_USEC / WATCHDOG_PID (null = unset) and our pid.
std::optional<duration> watchdog_interval(const char* usec, const char* pid, long self_pid);

}  // namespace slawatch::app
