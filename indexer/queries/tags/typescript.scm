; TypeScript / TSX tags: definitions, imports (ES modules, require, re-exports), references.
(function_declaration name: (identifier) @name.definition.function) @definition.function
(function_signature name: (identifier) @name.definition.function) @definition.function
(generator_function_declaration name: (identifier) @name.definition.function) @definition.function
(lexical_declaration (variable_declarator name: (identifier) @name.definition.function
  value: [(arrow_function) (function_expression)])) @definition.function
(class_declaration name: (type_identifier) @name.definition.class) @definition.class
(abstract_class_declaration name: (type_identifier) @name.definition.class) @definition.class
(interface_declaration name: (type_identifier) @name.definition.interface) @definition.interface
(type_alias_declaration name: (type_identifier) @name.definition.type) @definition.type
(enum_declaration name: (identifier) @name.definition.enum) @definition.enum
(method_definition name: (_) @name.definition.method) @definition.method
(method_signature name: (_) @name.definition.method) @definition.method
(abstract_method_signature name: (_) @name.definition.method) @definition.method
(internal_module name: (_) @name.definition.module) @definition.module
(program (lexical_declaration (variable_declarator name: (identifier) @name.definition.variable)) @definition.variable)
(program (export_statement (lexical_declaration (variable_declarator name: (identifier) @name.definition.variable)) @definition.variable))

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

; references
(call_expression function: (identifier) @name.reference.call)
(call_expression function: (member_expression property: (property_identifier) @name.reference.call))
(new_expression constructor: (identifier) @name.reference.class)
(member_expression object: (identifier) @name.reference.module)
(type_identifier) @name.reference.type
(nested_type_identifier module: (identifier) @name.reference.module)
(class_heritage (extends_clause value: (identifier) @name.reference.class))
