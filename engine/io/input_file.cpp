#include "io/input_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include <fmt/core.h>

#include "core/error.hpp"

namespace exvivo::io {

std::string describe_file_kind(unsigned mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO (named pipe)";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file";
}

namespace {

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

}  // namespace

std::string read_input_file(const std::string& path, std::uintmax_t max_bytes,
                            const std::function<void(const std::string&)>& fail) {
  auto refuse = [&](const std::string& what) {
    fail(what);
    throw std::logic_error("read_input_file: fail() returned");  // a bug in the caller
  };
  // O_NONBLOCK: opening a FIFO must not wait for a writer; the kind is checked next.
  const Fd fd(::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC));
  if (fd.get() < 0) {
    const int err = errno;
    if (err == ENOENT || err == ENOTDIR || err == ENAMETOOLONG || err == ELOOP || err == ENXIO)
      refuse(fmt::format("cannot open file: {}", std::strerror(err)));
    throw EnvironmentError("cannot open", path, err);
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) throw EnvironmentError("cannot read", path, errno);
  if (!S_ISREG(st.st_mode))
    refuse(fmt::format("expected a regular file, but the path names {}", describe_file_kind(st.st_mode)));
  if (static_cast<std::uintmax_t>(st.st_size) > max_bytes)
    refuse(fmt::format("file too large ({} bytes; the limit is {} bytes)", st.st_size, max_bytes));
  // Regular files never block; clear O_NONBLOCK anyway so that reads behave plainly.
  ::fcntl(fd.get(), F_SETFL, ::fcntl(fd.get(), F_GETFL) & ~O_NONBLOCK);
  std::string content;
  content.reserve(static_cast<std::size_t>(st.st_size));
  char buffer[1 << 16];
  while (true) {
    const ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw EnvironmentError("cannot read", path, errno);
    }
    if (n == 0) break;
    content.append(buffer, static_cast<std::size_t>(n));
    if (content.size() > max_bytes)  // the file grew while being read
      refuse(fmt::format("file too large (more than {} bytes, the limit)", max_bytes));
  }
  return content;
}

}  // namespace exvivo::io
