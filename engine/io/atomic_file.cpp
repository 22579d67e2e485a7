#include "io/atomic_file.hpp"

#include <cerrno>
#include <fstream>
#include <system_error>

#include <unistd.h>

namespace exvivo::io {

namespace fs = std::filesystem;

fs::path temporary_path_for(const fs::path& path) {
  fs::path tmp = path;
  tmp += ".tmp-" + std::to_string(::getpid());
  return tmp;
}

void write_file_atomically(const fs::path& path, const std::function<void(std::ostream&)>& write) {
  const fs::path tmp = temporary_path_for(path);
  const auto discard = [&] {
    std::error_code ignored;
    fs::remove(tmp, ignored);
  };

  std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
  if (!out)
    throw fs::filesystem_error("cannot create temporary file for", path, tmp,
                               std::error_code(errno, std::generic_category()));
  try {
    write(out);
  } catch (...) {
    out.close();
    discard();
    throw;
  }
  out.flush();
  const bool written = static_cast<bool>(out);
  out.close();
  if (!written || out.fail()) {
    discard();
    throw fs::filesystem_error("cannot write", path, tmp, std::make_error_code(std::errc::io_error));
  }

  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) {
    discard();
    throw fs::filesystem_error("cannot move temporary file into place", tmp, path, ec);
  }
}

void write_file_atomically(const fs::path& path, std::string_view content) {
  write_file_atomically(path, [content](std::ostream& out) {
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
  });
}

}  // namespace exvivo::io
