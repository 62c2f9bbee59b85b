; Swift: classes, structs, enums, actors, extensions (named after the extended type), protocols;
; functions, initializers and deinitializers (methods inside types).
(class_declaration name: [(type_identifier) @name (user_type (type_identifier) @name)]) @definition.class
(protocol_declaration name: (type_identifier) @name) @definition.class
(function_declaration name: (simple_identifier) @name) @definition.function
(init_declaration "init" @name) @definition.function
(deinit_declaration "deinit" @name) @definition.function
