; C++ tags: functions and methods (`Foo::bar` defined outside is a method of Foo), classes, structs,
; enums, namespaces, typedefs/aliases, macros; `#include`, `using`; references.
(function_definition declarator: (function_declarator declarator: [(identifier) (field_identifier) (operator_name) (destructor_name)] @name.definition.function)) @definition.function
(function_definition declarator: (pointer_declarator declarator: (function_declarator declarator: [(identifier) (field_identifier)] @name.definition.function))) @definition.function
(function_definition declarator: (reference_declarator (function_declarator declarator: [(identifier) (field_identifier)] @name.definition.function))) @definition.function
(function_definition declarator: (function_declarator declarator: (qualified_identifier scope: (_) @scope name: (_) @name.definition.function))) @definition.function
(function_definition declarator: (pointer_declarator declarator: (function_declarator declarator: (qualified_identifier scope: (_) @scope name: (_) @name.definition.function)))) @definition.function
(function_definition declarator: (reference_declarator (function_declarator declarator: (qualified_identifier scope: (_) @scope name: (_) @name.definition.function)))) @definition.function
(field_declaration declarator: (function_declarator declarator: (field_identifier) @name.definition.method)) @definition.method
; prototypes at file or namespace level only (`T m(n, n);` in a body is a variable)
(translation_unit (declaration declarator: (function_declarator declarator: (identifier) @name.definition.function)) @definition.function)
(declaration_list (declaration declarator: (function_declarator declarator: (identifier) @name.definition.function)) @definition.function)
(class_specifier name: (type_identifier) @name.definition.class body: (field_declaration_list)) @definition.class
(struct_specifier name: (type_identifier) @name.definition.struct body: (field_declaration_list)) @definition.struct
(union_specifier name: (type_identifier) @name.definition.struct body: (field_declaration_list)) @definition.struct
(enum_specifier name: (type_identifier) @name.definition.enum body: (enumerator_list)) @definition.enum
(namespace_definition name: (_) @name.definition.module) @definition.module
(type_definition declarator: (type_identifier) @name.definition.type) @definition.type
(alias_declaration name: (type_identifier) @name.definition.type) @definition.type
(preproc_def name: (identifier) @name.definition.constant) @definition.constant
(preproc_function_def name: (identifier) @name.definition.function) @definition.function

; imports: an include makes everything in the file visible, like a star import
(preproc_include path: (string_literal) @import.module @import.star) @import
(preproc_include path: (system_lib_string) @import.module @import.star) @import
(using_declaration (qualified_identifier) @import.path) @import
(using_declaration "namespace" (_) @import.module @import.star) @import

; references
(call_expression function: (identifier) @name.reference.call)
(call_expression function: (field_expression field: (field_identifier) @name.reference.call))
(call_expression function: (qualified_identifier name: (identifier) @name.reference.call))
(qualified_identifier scope: (namespace_identifier) @name.reference.module)
(type_identifier) @name.reference.type
