; Rust: functions, structs/enums/traits/unions, `impl` blocks named after their type (so methods read
; `Foo.bar`), inline modules. Attributes (`#[derive]`) and comments above a definition belong to it.
(function_item name: (identifier) @name) @definition.function
(struct_item name: (type_identifier) @name) @definition.class
(enum_item name: (type_identifier) @name) @definition.class
(union_item name: (type_identifier) @name) @definition.class
(trait_item name: (type_identifier) @name) @definition.class
(impl_item type: [(type_identifier) @name
                  (generic_type type: (type_identifier) @name)
                  (scoped_type_identifier name: (type_identifier) @name)]) @definition.class
(mod_item name: (identifier) @name body: (declaration_list)) @definition.namespace
(attribute_item) @attribute
