; JavaScript tags: definitions, imports (ES modules, require, re-exports), references.
(function_declaration name: (identifier) @name.definition.function) @definition.function
(generator_function_declaration name: (identifier) @name.definition.function) @definition.function
(lexical_declaration (variable_declarator name: (identifier) @name.definition.function
  value: [(arrow_function) (function_expression)])) @definition.function
(variable_declaration (variable_declarator name: (identifier) @name.definition.function
  value: [(arrow_function) (function_expression)])) @definition.function
(class_declaration name: (identifier) @name.definition.class) @definition.class
(lexical_declaration (variable_declarator name: (identifier) @name.definition.class value: (class))) @definition.class
(method_definition name: (_) @name.definition.method) @definition.method
(program (lexical_declaration (variable_declarator name: (identifier) @name.definition.variable)) @definition.variable)
(program (variable_declaration (variable_declarator name: (identifier) @name.definition.variable)) @definition.variable)
(program (export_statement (lexical_declaration (variable_declarator name: (identifier) @name.definition.variable)) @definition.variable))
(assignment_expression left: (member_expression object: (identifier) @scope property: (property_identifier) @name.definition.function)
  right: [(arrow_function) (function_expression)]) @definition.function

; imports
(import_statement (import_clause (identifier) @import.default) source: (string) @import.module) @import
(import_statement (import_clause (namespace_import (identifier) @import.alias)) source: (string) @import.module) @import
(import_statement (import_clause (named_imports (import_specifier name: (_) @import.name))) source: (string) @import.module) @import
(import_statement (import_clause (named_imports (import_specifier name: (_) @import.name alias: (_) @import.alias))) source: (string) @import.module) @import
(import_statement source: (string) @import.module) @import
(export_statement (export_clause (export_specifier name: (_) @import.name)) source: (string) @import.module) @import
(export_statement (export_clause (export_specifier name: (_) @import.name alias: (_) @import.alias)) source: (string) @import.module) @import
(export_statement "*" @import.star source: (string) @import.module) @import
(lexical_declaration (variable_declarator name: (identifier) @import.alias
  value: (call_expression function: (identifier) @_require arguments: (arguments (string) @import.module)))
  (#eq? @_require "require")) @import
(lexical_declaration (variable_declarator name: (object_pattern (shorthand_property_identifier_pattern) @import.name)
  value: (call_expression function: (identifier) @_require arguments: (arguments (string) @import.module)))
  (#eq? @_require "require")) @import

; references
(call_expression function: (identifier) @name.reference.call)
(call_expression function: (member_expression property: (property_identifier) @name.reference.call))
(new_expression constructor: (identifier) @name.reference.class)
(member_expression object: (identifier) @name.reference.module)
(class_heritage (identifier) @name.reference.class)
(jsx_opening_element name: (identifier) @name.reference.class)
(jsx_self_closing_element name: (identifier) @name.reference.class)
