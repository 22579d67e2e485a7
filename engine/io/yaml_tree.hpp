#pragma once
// A YAML document read into a plain tree that remembers, for every node, where
// it stands in the file (line:column) and its key path ("arms[1].protocol[0].add").
// yaml-cpp stays behind this adapter: loaders of models, scenarios, fits and
// analyses read YamlNode only, and every error they raise through a node has
// the standard shape "file:line:col: key.path: what (did you mean 'x'?)".
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.hpp"

namespace exvivo::io {

/// Which Error subclass a document's problems are reported as.
enum class InputKind { model, scenario, data };

[[noreturn]] void throw_input_error(InputKind kind, const SourceLocation& where,
                                    std::string_view key_path, std::string_view what,
                                    std::string_view suggestion = {});

class YamlNode {
 public:
  enum class Kind { null, scalar, sequence, mapping };

  // Defined out of line: an inline default constructor makes clang (and so
  // clang-tidy) instantiate std::pair<YamlNode, YamlNode> while YamlNode is
  // still incomplete (libstdc++ 12); GCC accepts either.
  YamlNode();

  Kind kind = Kind::null;
  std::string text;           ///< scalar text (empty otherwise)
  bool quoted = false;        ///< scalar was written in quotes (never a number then)
  SourceLocation where;       ///< 1-based line/column of the node's first character
  std::string path;           ///< key path from the document root; "" for the root
  InputKind input = InputKind::scenario;
  std::vector<YamlNode> items;                           ///< sequence elements
  std::vector<std::pair<YamlNode, YamlNode>> entries;    ///< mapping entries, file order

  bool is_null() const { return kind == Kind::null; }
  bool is_scalar() const { return kind == Kind::scalar; }
  bool is_sequence() const { return kind == Kind::sequence; }
  bool is_mapping() const { return kind == Kind::mapping; }

  /// Throws this document's Error subclass located at this node.
  [[noreturn]] void fail(std::string_view what, std::string_view suggestion = {}) const;

  /// Mapping value for `key`, or nullptr. Fails if this node is not a mapping.
  const YamlNode* find(std::string_view key) const;
  /// Mapping value for `key`; fails with "missing key 'key'" when absent.
  const YamlNode& at(std::string_view key) const;
  /// Fails on the first key not in `allowed`, suggesting the closest allowed key.
  void check_keys(std::initializer_list<std::string_view> allowed) const;
  void check_keys(const std::vector<std::string>& allowed) const;

  void expect_mapping(std::string_view what = "a mapping") const;
  void expect_sequence(std::string_view what = "a list") const;
  /// Scalar text; fails when the node is a list or mapping.
  const std::string& scalar(std::string_view what = "a single value") const;
  /// A finite number (not quoted); fails with "expected a number, got '…'".
  double number() const;
  /// A whole number in [lo, hi].
  long integer(long lo, long hi) const;
  bool boolean() const;
  /// A name matching [A-Za-z_][A-Za-z0-9_]*.
  const std::string& identifier() const;
  /// A scalar or a sequence of scalars, as strings (used for lists of names).
  std::vector<std::string> string_list() const;
  /// Location of the first character of the scalar's text (inside the quotes).
  SourceLocation text_start() const;
};

/// At most this many nodes (scalars, lists, mappings) per document, counting
/// every use of an alias in full: a "billion laughs" file fails fast.
inline constexpr std::size_t max_yaml_nodes = 250'000;

/// Reads a YAML file. Fails (with `kind`'s Error subclass) on a missing or
/// unreadable file, a path that is not a regular file or a file larger than
/// io::max_yaml_file_bytes (input_file.hpp), binary content, an empty
/// document, YAML syntax errors, duplicate keys, nesting deeper than 64 levels
/// and more than max_yaml_nodes nodes.
YamlNode read_yaml_file(const std::string& path, InputKind kind);
/// Same, from text already in memory; `file` names it in messages.
YamlNode read_yaml_string(const std::string& text, const std::string& file, InputKind kind);

/// How a node reads in messages: "'text'", "a list", "a mapping" or "nothing".
std::string describe(const YamlNode& node);

/// True when `name` matches [A-Za-z_][A-Za-z0-9_]*.
bool is_identifier(std::string_view name);

}  // namespace exvivo::io
