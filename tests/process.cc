#include "process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include "base/json.h"
#include "http/client.h"

namespace holdfast::testing {
namespace {

using Clock = std::chrono::steady_clock;

int MillisecondsLeft(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return static_cast<int>(std::clamp<int64_t>(left, 0, 60'000));
}

void CloseFd(int& fd) {
  if (fd >= 0) close(fd);
  fd = -1;
}

// Starts `argv` with stdin from /dev/null and stdout, stderr on `out_fd`, `err_fd`. The child gets default
// signal dispositions and an empty signal mask, and is killed when the thread that started it ends
// (PR_SET_PDEATHSIG), so even a test process that crashes leaves no server behind. Returns the pid, or -1
// with `error` set.
pid_t Spawn(const std::vector<std::string>& argv, int out_fd, int err_fd, std::string& error) {
  if (argv.empty()) {
    error = "no program to run";
    return -1;
  }
  // Everything the child needs is prepared before fork: between fork and exec only async-signal-safe calls.
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  int exec_error[2];
  if (pipe2(exec_error, O_CLOEXEC) != 0) {
    error = std::string("pipe: ") + std::strerror(errno);
    return -1;
  }
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid < 0) {
    error = std::string("fork: ") + std::strerror(errno);
    close(exec_error[0]);
    close(exec_error[1]);
    return -1;
  }
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);
    struct sigaction dfl {};
    dfl.sa_handler = SIG_DFL;
    for (int sig : {SIGPIPE, SIGTERM, SIGINT, SIGCHLD, SIGHUP}) sigaction(sig, &dfl, nullptr);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    int in = open("/dev/null", O_RDONLY);
    if (in < 0 || dup2(in, 0) < 0 || dup2(out_fd, 1) < 0 || dup2(err_fd, 2) < 0) {
      int e = errno;
      (void)!write(exec_error[1], &e, sizeof e);
      _exit(127);
    }
    execv(args[0], args.data());
    int e = errno;
    (void)!write(exec_error[1], &e, sizeof e);
    _exit(127);
  }
  close(exec_error[1]);
  int child_errno = 0;
  ssize_t n;
  do {
    n = read(exec_error[0], &child_errno, sizeof child_errno);
  } while (n < 0 && errno == EINTR);
  close(exec_error[0]);
  if (n > 0) {
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    error = "could not run " + argv[0] + ": " + std::strerror(child_errno);
    return -1;
  }
  return pid;
}

void ReapBlocking(pid_t pid, int* status) {
  int s = 0;
  while (waitpid(pid, &s, 0) < 0 && errno == EINTR) {
  }
  if (status) *status = s;
}

std::string ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

std::string DescribeWaitStatus(int status) {
  if (WIFEXITED(status)) return "exit " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return "killed by signal " + std::to_string(WTERMSIG(status));
  return "wait status " + std::to_string(status);
}

std::string RunResult::Describe() const {
  std::string s = timed_out        ? "timed out and was killed"
                  : exit_code >= 0 ? "exit " + std::to_string(exit_code)
                                   : "did not exit normally";
  return s + "\n--- stdout:\n" + out + "--- stderr:\n" + err + "---";
}

std::string FindOnPath(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::string_view rest = path ? path : "/usr/local/bin:/usr/bin:/bin";
  while (!rest.empty()) {
    size_t colon = rest.find(':');
    std::string dir(rest.substr(0, colon));
    rest = colon == std::string_view::npos ? std::string_view() : rest.substr(colon + 1);
    std::string candidate = (dir.empty() ? std::string(".") : dir) + "/" + name;
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return "";
}

RunResult RunProcess(const std::vector<std::string>& argv, std::chrono::milliseconds timeout) {
  RunResult result;
  int out[2], err[2];
  if (pipe2(out, O_CLOEXEC) != 0) {
    result.err = std::string("pipe: ") + std::strerror(errno);
    return result;
  }
  if (pipe2(err, O_CLOEXEC) != 0) {
    result.err = std::string("pipe: ") + std::strerror(errno);
    close(out[0]);
    close(out[1]);
    return result;
  }
  std::string error;
  pid_t pid = Spawn(argv, out[1], err[1], error);
  close(out[1]);
  close(err[1]);
  if (pid < 0) {
    close(out[0]);
    close(err[0]);
    result.err = error;
    return result;
  }
  Clock::time_point deadline = Clock::now() + timeout;
  int fds[2] = {out[0], err[0]};
  std::string* sinks[2] = {&result.out, &result.err};
  while (fds[0] >= 0 || fds[1] >= 0) {
    pollfd p[2];
    for (int i = 0; i < 2; ++i) p[i] = {fds[i], POLLIN, 0};
    int ready = poll(p, 2, MillisecondsLeft(deadline));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) {
      result.timed_out = true;
      kill(pid, SIGKILL);
      break;
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i] < 0 || p[i].revents == 0) continue;
      char buf[65536];
      ssize_t n = read(fds[i], buf, sizeof buf);
      if (n > 0) {
        sinks[i]->append(buf, static_cast<size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        CloseFd(fds[i]);
      }
    }
  }
  CloseFd(fds[0]);
  CloseFd(fds[1]);
  int status = 0;
  ReapBlocking(pid, &status);
  if (!result.timed_out && WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  return result;
}

RunResult RunHoldfast(const std::vector<std::string>& args, std::chrono::milliseconds timeout) {
  std::vector<std::string> argv{HoldfastBinary()};
  argv.insert(argv.end(), args.begin(), args.end());
  return RunProcess(argv, timeout);
}

ChildProcess::ChildProcess(const std::vector<std::string>& argv, const std::string& stderr_path) {
  int err = open(stderr_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (err < 0) {
    error_ = "open " + stderr_path + ": " + std::strerror(errno);
    return;
  }
  int out[2];
  if (pipe2(out, O_CLOEXEC) != 0) {
    error_ = std::string("pipe: ") + std::strerror(errno);
    close(err);
    return;
  }
  pid_ = Spawn(argv, out[1], err, error_);
  close(out[1]);
  close(err);
  if (pid_ < 0) {
    close(out[0]);
    return;
  }
  stdout_fd_ = out[0];
}

ChildProcess::~ChildProcess() {
  if (pid_ > 0 && !reaped_) {
    kill(pid_, SIGKILL);
    ReapBlocking(pid_, nullptr);
  }
  CloseFd(stdout_fd_);
}

std::optional<std::string> ChildProcess::ReadLineStartingWith(std::string_view prefix,
                                                              std::chrono::milliseconds timeout) {
  Clock::time_point deadline = Clock::now() + timeout;
  for (;;) {
    for (size_t end; (end = output_.find('\n', scanned_)) != std::string::npos;) {
      std::string line = output_.substr(scanned_, end - scanned_);
      scanned_ = end + 1;
      if (line.starts_with(prefix)) return line;
    }
    if (stdout_fd_ < 0) return std::nullopt;
    pollfd p{stdout_fd_, POLLIN, 0};
    int ready = poll(&p, 1, MillisecondsLeft(deadline));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) return std::nullopt;
    char buf[4096];
    ssize_t n = read(stdout_fd_, buf, sizeof buf);
    if (n > 0) {
      output_.append(buf, static_cast<size_t>(n));
    } else if (n == 0 || errno != EINTR) {
      CloseFd(stdout_fd_);
    }
  }
}

void ChildProcess::Signal(int signal) {
  if (pid_ > 0 && !reaped_) kill(pid_, signal);
}

std::optional<int> ChildProcess::Wait(std::chrono::milliseconds timeout) {
  if (pid_ <= 0) return std::nullopt;
  Clock::time_point deadline = Clock::now() + timeout;
  while (!reaped_) {
    int status = 0;
    pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      reaped_ = true;
      status_ = status;
      break;
    }
    if (r < 0 && errno != EINTR) return std::nullopt;
    if (Clock::now() >= deadline) return std::nullopt;
    // There is no portable way to poll() a child's exit; check again shortly.
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return status_;
}

namespace {
std::vector<std::string> ServeArgs(const std::string& data_dir, const std::string& listen,
                                   const std::vector<std::string>& extra) {
  std::vector<std::string> argv{HoldfastBinary(), "serve", "--data", data_dir, "--listen", listen};
  argv.insert(argv.end(), extra.begin(), extra.end());
  return argv;
}
}  // namespace

ServeProcess::ServeProcess(const std::string& data_dir, const std::string& log_path,
                           const std::string& listen, const std::vector<std::string>& extra)
    : log_path_(log_path), child_(ServeArgs(data_dir, listen, extra), log_path) {
  if (!child_.started()) {
    error_ = child_.error();
    return;
  }
  std::optional<std::string> line = child_.ReadLineStartingWith("listening on http://", kChildTimeout);
  if (line) {
    size_t colon = line->rfind(':');
    int port = colon == std::string::npos ? 0 : std::atoi(line->c_str() + colon + 1);
    if (port > 0 && port < 65536) {
      port_ = static_cast<uint16_t>(port);
      return;
    }
  }
  std::optional<int> status = child_.Wait(std::chrono::seconds(1));
  error_ = "holdfast serve --data " + data_dir + " did not print its address (" +
           (status ? DescribeWaitStatus(*status) : std::string("still running")) + ")\n--- stdout:\n" +
           child_.output() + "--- stderr:\n" + Log() + "---";
}

std::string ServeProcess::Log() const { return ReadWholeFile(log_path_); }

bool ServeProcess::Stop(std::string* why) {
  child_.Signal(SIGTERM);
  std::optional<int> status = child_.Wait(kChildTimeout);
  bool clean = status && WIFEXITED(*status) && WEXITSTATUS(*status) == 0;
  if (!clean && why) {
    *why = (status ? DescribeWaitStatus(*status) : std::string("did not stop after SIGTERM")) +
           "\n--- stderr:\n" + Log() + "---";
  }
  return clean;
}

bool ServeProcess::Kill() {
  child_.Signal(SIGKILL);
  std::optional<int> status = child_.Wait(kChildTimeout);
  return status && WIFSIGNALED(*status) && WTERMSIG(*status) == SIGKILL;
}

std::string Describe(const Result<http::ClientResponse>& r) {
  return r.ok() ? std::to_string(r->status) + " " + r->body : "no answer: " + r.error().detail;
}

std::string SignInAdmin(uint16_t port, const std::string& one_time, const std::string& password) {
  http::Client client("127.0.0.1", port);
  auto r = client.Post("/api/v1/sessions",
                       json::serialize(json::object{{"username", "admin"},
                                                    {"password", one_time.empty() ? password : one_time}}));
  EXPECT_TRUE(r.ok() && r->status == 201) << "sign-in: " << Describe(r);
  if (!r.ok() || r->status != 201) return "";
  auto body = ParseJson(r->body);
  EXPECT_TRUE(body.ok() && body->is_object()) << r->body;
  if (!body.ok() || !body->is_object()) return "";
  std::string token(StringOr(body->as_object(), "token"));
  if (one_time.empty()) return token;
  client.SetHeader("Authorization", "Bearer " + token);
  auto changed = client.Request(
      "PUT", "/api/v1/users/me/password",
      json::serialize(json::object{{"current_password", one_time}, {"new_password", password}}));
  EXPECT_TRUE(changed.ok() && changed->status == 200) << Describe(changed);
  return changed.ok() && changed->status == 200 ? token : "";
}

}  // namespace holdfast::testing
