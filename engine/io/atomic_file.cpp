#include "io/atomic_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <streambuf>
#include <system_error>

#include "core/error.hpp"

namespace exvivo::io {

namespace fs = std::filesystem;

fs::path temporary_path_for(const fs::path& path) {
  fs::path tmp = path;
  tmp += ".tmp-" + std::to_string(::getpid());
  return tmp;
}

namespace {

/// An output stream buffer on a file descriptor that remembers the errno of
/// the first failed write(2), so that "disk full" reaches the user as ENOSPC
/// rather than as a stream's generic failure.
class FdBuffer : public std::streambuf {
 public:
  explicit FdBuffer(int fd) : fd_(fd) { setp(buffer_, buffer_ + sizeof buffer_); }
  int error() const { return error_; }

  /// Writes what is buffered; false (and error() set) on failure.
  bool drain() {
    const char* p = pbase();
    while (p < pptr() && error_ == 0) {
      const ssize_t n = ::write(fd_, p, static_cast<std::size_t>(pptr() - p));
      if (n < 0) {
        if (errno != EINTR) error_ = errno;
      } else {
        p += n;
      }
    }
    setp(buffer_, buffer_ + sizeof buffer_);
    return error_ == 0;
  }

 protected:
  int_type overflow(int_type c) override {
    if (!drain()) return traits_type::eof();
    if (!traits_type::eq_int_type(c, traits_type::eof())) {
      *pptr() = traits_type::to_char_type(c);
      pbump(1);
    }
    return traits_type::not_eof(c);
  }
  int sync() override { return drain() ? 0 : -1; }

 private:
  int fd_;
  int error_ = 0;
  char buffer_[1 << 16];
};

}  // namespace

void write_file_atomically(const fs::path& path, const std::function<void(std::ostream&)>& write) {
  const fs::path tmp = temporary_path_for(path);
  const auto discard = [&] {
    std::error_code ignored;
    fs::remove(tmp, ignored);
  };

  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (fd < 0) throw EnvironmentError("cannot create", tmp.string(), errno);
  FdBuffer buffer(fd);
  std::ostream out(&buffer);
  try {
    write(out);
  } catch (...) {
    ::close(fd);
    discard();
    throw;
  }
  buffer.drain();
  int err = buffer.error();
  if (::close(fd) != 0 && err == 0) err = errno;  // NFS and quotas may report only at close
  if (err != 0) {
    discard();
    throw EnvironmentError("cannot write", path.string(), err);
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    err = errno;
    discard();
    throw EnvironmentError("cannot move the finished file into place at", path.string(), err);
  }
}

void write_file_atomically(const fs::path& path, std::string_view content) {
  write_file_atomically(path, [content](std::ostream& out) {
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
  });
}

}  // namespace exvivo::io
