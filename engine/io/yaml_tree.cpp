#include "io/yaml_tree.hpp"

#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include <fmt/core.h>

#include "core/number.hpp"
#include "core/text.hpp"
#include "io/input_file.hpp"

namespace exvivo::io {

void throw_input_error(InputKind kind, const SourceLocation& where, std::string_view key_path,
                       std::string_view what, std::string_view suggestion) {
  switch (kind) {
    case InputKind::model: throw ModelError(where, key_path, what, suggestion);
    case InputKind::data: throw DataError(where, key_path, what, suggestion);
    case InputKind::scenario: break;
  }
  throw ScenarioError(where, key_path, what, suggestion);
}

bool is_identifier(std::string_view name) {
  if (name.empty()) return false;
  auto alpha = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; };
  if (!alpha(name[0])) return false;
  for (char c : name)
    if (!alpha(c) && !(c >= '0' && c <= '9')) return false;
  return true;
}

YamlNode::YamlNode() = default;

std::string describe(const YamlNode& n) {
  switch (n.kind) {
    case YamlNode::Kind::null: return "nothing";
    case YamlNode::Kind::scalar: return "'" + n.text + "'";
    case YamlNode::Kind::sequence: return "a list";
    case YamlNode::Kind::mapping: return "a mapping";
  }
  return "?";
}

namespace {

constexpr int max_depth = 64;

std::string child_path(const std::string& parent, const std::string& key) {
  return parent.empty() ? key : parent + "." + key;
}

/// Counts the nodes made while converting, so that aliases (which yaml-cpp
/// shares but the tree copies) cannot expand a small file into billions of nodes.
struct NodeBudget {
  std::size_t used = 0;
};

YamlNode convert(const YAML::Node& y, const std::string& file, const std::string& path,
                 InputKind kind, int depth, NodeBudget& budget) {
  YamlNode n;
  if (++budget.used > max_yaml_nodes)
    throw_input_error(kind, SourceLocation{file, y.Mark().line + 1, y.Mark().column + 1}, path,
                      fmt::format("the document has more than {} values (counting each use of an alias '*name' "
                                  "in full); this is the limit for model, scenario, fit and analysis files",
                                  max_yaml_nodes));
  n.where = SourceLocation{file, y.Mark().line + 1, y.Mark().column + 1};
  n.path = path;
  n.input = kind;
  if (depth > max_depth) n.fail(fmt::format("nested deeper than {} levels", max_depth));
  switch (y.Type()) {
    case YAML::NodeType::Undefined:
    case YAML::NodeType::Null:
      n.kind = YamlNode::Kind::null;
      break;
    case YAML::NodeType::Scalar:
      n.kind = YamlNode::Kind::scalar;
      n.text = y.Scalar();
      n.quoted = y.Tag() == "!";
      break;
    case YAML::NodeType::Sequence: {
      n.kind = YamlNode::Kind::sequence;
      std::size_t i = 0;
      for (const auto& item : y) {
        n.items.push_back(convert(item, file, path + "[" + std::to_string(i) + "]", kind, depth + 1, budget));
        ++i;
      }
      break;
    }
    case YAML::NodeType::Map: {
      n.kind = YamlNode::Kind::mapping;
      for (auto it = y.begin(); it != y.end(); ++it) {
        YamlNode key = convert(it->first, file, path, kind, depth + 1, budget);
        if (!key.is_scalar()) key.fail("a key must be a plain name, got " + describe(key));
        for (const auto& [other, value] : n.entries) {
          if (other.text == key.text)
            key.fail(fmt::format("duplicate key '{}' (first at line {})", key.text, other.where.line));
        }
        YamlNode value = convert(it->second, file, child_path(path, key.text), kind, depth + 1, budget);
        n.entries.emplace_back(std::move(key), std::move(value));
      }
      break;
    }
  }
  return n;
}

}  // namespace

YamlNode read_yaml_string(const std::string& text, const std::string& file, InputKind kind) {
  const SourceLocation whole{file, 0, 0};
  for (std::size_t i = 0; i < text.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c == 0 || (c < 0x20 && c != '\n' && c != '\r' && c != '\t')) {
      const auto line = 1 + std::count(text.begin(), text.begin() + static_cast<long>(i), '\n');
      throw_input_error(kind, SourceLocation{file, static_cast<int>(line), 0}, "",
                        fmt::format("not a text file (control byte 0x{:02x})", c));
    }
  }
  // Each value but the first follows a comma or a line break: a cheap bound
  // that refuses a huge list before yaml-cpp spends time and memory on it
  // (convert() then counts exactly, aliases included).
  const auto separators = static_cast<std::size_t>(std::count(text.begin(), text.end(), ',') +
                                                   std::count(text.begin(), text.end(), '\n'));
  if (separators > max_yaml_nodes)
    throw_input_error(kind, whole, "",
                      fmt::format("the document has more than {} values; this is the limit for model, scenario, "
                                  "fit and analysis files",
                                  max_yaml_nodes));
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::DeepRecursion& e) {  // its own message is only "bad file"
    throw_input_error(kind, SourceLocation{file, e.mark.line + 1, e.mark.column + 1}, "",
                      fmt::format("nested deeper than {} levels", max_depth));
  } catch (const YAML::Exception& e) {
    throw_input_error(kind, SourceLocation{file, e.mark.line + 1, e.mark.column + 1}, "",
                      "invalid YAML: " + e.msg);
  }
  if (!root || root.IsNull()) throw_input_error(kind, whole, "", "empty file");
  try {
    NodeBudget budget;
    return convert(root, file, "", kind, 0, budget);
  } catch (const YAML::Exception& e) {
    throw_input_error(kind, SourceLocation{file, e.mark.line + 1, e.mark.column + 1}, "",
                      "invalid YAML: " + e.msg);
  }
}

YamlNode read_yaml_file(const std::string& path, InputKind kind) {
  const std::string text = read_input_file(path, max_yaml_file_bytes, [&](const std::string& what) {
    throw_input_error(kind, SourceLocation{path, 0, 0}, "", what);
  });
  return read_yaml_string(text, path, kind);
}

void YamlNode::fail(std::string_view what, std::string_view suggestion) const {
  throw_input_error(input, where, path, what, suggestion);
}

void YamlNode::expect_mapping(std::string_view what) const {
  if (!is_mapping()) fail(fmt::format("expected {}, got {}", what, describe(*this)));
}

void YamlNode::expect_sequence(std::string_view what) const {
  if (!is_sequence()) fail(fmt::format("expected {}, got {}", what, describe(*this)));
}

const YamlNode* YamlNode::find(std::string_view key) const {
  expect_mapping();
  for (const auto& [k, v] : entries)
    if (k.text == key) return &v;
  return nullptr;
}

const YamlNode& YamlNode::at(std::string_view key) const {
  if (const YamlNode* v = find(key)) return *v;
  fail(fmt::format("missing key '{}'", key));
}

void YamlNode::check_keys(const std::vector<std::string>& allowed) const {
  expect_mapping();
  for (const auto& [k, v] : entries) {
    bool ok = false;
    for (const auto& a : allowed) ok = ok || a == k.text;
    if (!ok) {
      YamlNode located = k;
      located.path = child_path(path, k.text);
      std::string list;
      for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
      located.fail(fmt::format("unknown key '{}' (expected one of: {})", k.text, list),
                   closest_match(k.text, allowed));
    }
  }
}

void YamlNode::check_keys(std::initializer_list<std::string_view> allowed) const {
  check_keys(std::vector<std::string>(allowed.begin(), allowed.end()));
}

const std::string& YamlNode::scalar(std::string_view what) const {
  if (!is_scalar()) fail(fmt::format("expected {}, got {}", what, describe(*this)));
  return text;
}

double YamlNode::number() const {
  const std::string& s = scalar("a number");
  if (!quoted) {
    // YAML 1.2 writes infinities and NaN as .inf, -.inf, .nan: numbers, but not finite ones.
    std::string_view body = s;
    if (!body.empty() && (body.front() == '+' || body.front() == '-')) body.remove_prefix(1);
    const bool yaml_non_finite = equals_ignoring_case(body, ".inf") || equals_ignoring_case(body, ".nan");
    const auto v = parse_double(s);
    if (yaml_non_finite || (v && !std::isfinite(*v))) fail(fmt::format("expected a finite number, got '{}'", s));
    if (v) return *v;
  }
  fail(fmt::format("expected a number, got '{}'", s));
}

long YamlNode::integer(long lo, long hi) const {
  const double v = number();
  if (v != std::floor(v) || v < static_cast<double>(lo) || v > static_cast<double>(hi))
    fail(fmt::format("expected a whole number from {} to {}, got '{}'", lo, hi, text));
  return static_cast<long>(v);
}

bool YamlNode::boolean() const {
  const std::string& s = scalar("true or false");
  if (s == "true" || s == "True" || s == "yes") return true;
  if (s == "false" || s == "False" || s == "no") return false;
  fail(fmt::format("expected true or false, got '{}'", s));
}

const std::string& YamlNode::identifier() const {
  const std::string& s = scalar("a name");
  if (!is_identifier(s))
    fail(fmt::format("'{}' is not a valid name (letters, digits and _, not starting with a digit)", s));
  return s;
}

std::vector<std::string> YamlNode::string_list() const {
  if (is_scalar()) return {text};
  expect_sequence("a name or a list of names");
  std::vector<std::string> out;
  for (const auto& item : items) out.push_back(item.scalar("a name"));
  return out;
}

SourceLocation YamlNode::text_start() const {
  SourceLocation s = where;
  if (quoted && s.column > 0) ++s.column;
  return s;
}

}  // namespace exvivo::io
