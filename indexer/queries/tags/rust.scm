; Rust tags: items (methods qualified by their `impl` type: `Circle.area`), `use`/`mod` imports, references.
(function_item name: (identifier) @name.definition.function) @definition.function
(function_signature_item name: (identifier) @name.definition.function) @definition.function
(struct_item name: (type_identifier) @name.definition.struct) @definition.struct
(enum_item name: (type_identifier) @name.definition.enum) @definition.enum
(union_item name: (type_identifier) @name.definition.struct) @definition.struct
(trait_item name: (type_identifier) @name.definition.trait) @definition.trait
(type_item name: (type_identifier) @name.definition.type) @definition.type
(mod_item name: (identifier) @name.definition.module body: (declaration_list)) @definition.module
(const_item name: (identifier) @name.definition.constant) @definition.constant
(static_item name: (identifier) @name.definition.constant) @definition.constant
(macro_definition name: (identifier) @name.definition.function) @definition.function
(impl_item type: [(type_identifier) @name.definition.impl
                  (generic_type type: (type_identifier) @name.definition.impl)
                  (scoped_type_identifier name: (type_identifier) @name.definition.impl)]) @definition.impl

; imports: `use a::b::C;`, `use a::b::C as D;`, `use a::{B, C as D};`, `use a::*;`, `mod x;`
(use_declaration argument: (scoped_identifier) @import.path) @import
(use_declaration argument: (identifier) @import.module) @import
(use_declaration argument: (use_as_clause path: (scoped_identifier) @import.path alias: (identifier) @import.alias)) @import
(use_declaration argument: (use_as_clause path: (identifier) @import.module alias: (identifier) @import.alias)) @import
(use_declaration argument: (scoped_use_list path: (_) @import.module list: (use_list (identifier) @import.name))) @import
(use_declaration argument: (scoped_use_list path: (_) @import.module list: (use_list (self) @import.self))) @import
(use_declaration argument: (scoped_use_list path: (_) @import.module
  list: (use_list (use_as_clause path: (identifier) @import.name alias: (identifier) @import.alias)))) @import
(use_declaration argument: (scoped_use_list path: (_) @import.module list: (use_list (scoped_identifier) @import.path))) @import
(use_declaration argument: (use_wildcard (scoped_identifier) @import.module) @import.star) @import
(use_declaration argument: (use_wildcard (identifier) @import.module) @import.star) @import
(mod_item name: (identifier) @import.module !body) @import

; references
(call_expression function: (identifier) @name.reference.call)
(call_expression function: (field_expression field: (field_identifier) @name.reference.call))
(call_expression function: (scoped_identifier name: (identifier) @name.reference.call))
(call_expression function: (scoped_identifier path: (identifier) @name.reference.module))
(macro_invocation macro: (identifier) @name.reference.call)
(type_identifier) @name.reference.type
(struct_expression name: (type_identifier) @name.reference.class)
