// Child processes for the tests that run the real `holdfast` binary: a command run to completion with its
// output captured, and a long-running server whose stdout is read line by line. Every wait has a deadline,
// and a child still running when its object goes is killed and reaped, so a failing test never leaves
// processes behind.
#ifndef HOLDFAST_TESTS_PROCESS_H_
#define HOLDFAST_TESTS_PROCESS_H_

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "http/client.h"

namespace holdfast::testing {

// The built `holdfast` executable (the one beside this test binary's build).
inline std::string HoldfastBinary() { return HOLDFAST_BINARY; }

// The full path of program `name` found on $PATH, or "" when there is none.
std::string FindOnPath(const std::string& name);

// How long a test waits for a child before it gives up. Generous: sanitizer builds are several times slower.
inline constexpr std::chrono::seconds kChildTimeout{120};

struct RunResult {
  int exit_code = -1;  // the exit status, or -1 when the child was killed by a signal or could not start
  bool timed_out = false;
  std::string out;  // everything the child wrote to stdout
  std::string err;  // and to stderr

  // "exit 0", "killed by signal 9", ... with both outputs, for failure messages.
  std::string Describe() const;
};

// Runs `argv` (argv[0] is the program's path) to completion and captures its stdout and stderr. A child still
// running after `timeout` is killed; the result then has timed_out set.
RunResult RunProcess(const std::vector<std::string>& argv, std::chrono::milliseconds timeout = kChildTimeout);

// Runs `holdfast args...`.
RunResult RunHoldfast(const std::vector<std::string>& args,
                      std::chrono::milliseconds timeout = kChildTimeout);

// A child process started in the background: its stdout goes to a pipe read with ReadLineStartingWith, its
// stderr to a file (appended), so a chatty child can never block on a full pipe.
// Not thread-safe; one thread drives it.
class ChildProcess {
 public:
  // Starts `argv`. Check started() (and error()) before using it.
  ChildProcess(const std::vector<std::string>& argv, const std::string& stderr_path);
  // Kills (SIGKILL) and reaps the child if it is still running.
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  bool started() const { return pid_ > 0; }
  const std::string& error() const { return error_; }
  pid_t pid() const { return pid_; }

  // Reads stdout until a line starting with `prefix` and returns that line (without its newline). Returns
  // nullopt if stdout ends or `timeout` passes first; everything read so far is in output().
  std::optional<std::string> ReadLineStartingWith(std::string_view prefix, std::chrono::milliseconds timeout);
  const std::string& output() const { return output_; }

  // Sends `signal` to the child (nothing once it has been reaped).
  void Signal(int signal);
  // Waits until the child ends and returns its raw wait status (see waitpid), or nullopt after `timeout`.
  std::optional<int> Wait(std::chrono::milliseconds timeout);

 private:
  pid_t pid_ = -1;
  bool reaped_ = false;
  int status_ = 0;  // the wait status, once reaped
  int stdout_fd_ = -1;
  std::string error_;
  std::string output_;
  size_t scanned_ = 0;  // output_[0, scanned_) holds only complete lines already looked at
};

// `holdfast serve --data DIR --listen 127.0.0.1:0`, started and waited for until it prints its address.
class ServeProcess {
 public:
  // Starts the server on `data_dir` and waits (with a deadline) for its "listening on http://127.0.0.1:PORT"
  // line. The server's stderr is appended to `log_path`. Check ready() (and error()).
  // `listen` and `extra` (more serve options, e.g. --peer URL) are passed through.
  ServeProcess(const std::string& data_dir, const std::string& log_path,
               const std::string& listen = "127.0.0.1:0", const std::vector<std::string>& extra = {});

  bool ready() const { return port_ != 0; }
  // Why the server is not ready: what it printed, and how it ended if it did.
  const std::string& error() const { return error_; }
  uint16_t port() const { return port_; }
  ChildProcess& child() { return child_; }
  // The server's stderr so far.
  std::string Log() const;

  // SIGTERM, then waits for the exit; true when the server stopped cleanly with exit status 0.
  bool Stop(std::string* why = nullptr);
  // SIGKILL mid-flight, then reaps it; true when it died of the signal.
  bool Kill();

 private:
  std::string log_path_;
  ChildProcess child_;
  uint16_t port_ = 0;
  std::string error_;
};

// Signs the administrator of a node made by `holdfast init` in over HTTP and returns the session token, or ""
// after recording a test failure. With `one_time` (the password init printed), the first sign-in replaces it
// with `password`; without, it signs in with `password`.
std::string SignInAdmin(uint16_t port, const std::string& one_time, const std::string& password);

// An HTTP answer for a failure message: "201 <body>", or "no answer: <why>".
std::string Describe(const Result<http::ClientResponse>& r);

// Describes a raw wait status: "exit 3", "killed by signal 9".
std::string DescribeWaitStatus(int status);

}  // namespace holdfast::testing

#endif  // HOLDFAST_TESTS_PROCESS_H_
