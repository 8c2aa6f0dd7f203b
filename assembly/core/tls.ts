// The C side (tls/core_exports.c). wasm-merge turns these imports into
// direct calls inside the one module.
@external("env", "tx_open") export declare function tx_open(flags: u32, buf: usize, len: u32, name: usize, nameLen: u32): u32;
@external("env", "tx_state") export declare function tx_state(): u32;
@external("env", "tx_window") export declare function tx_window(which: u32): usize;
@external("env", "tx_window_len") export declare function tx_window_len(): u32;
@external("env", "tx_ack") export declare function tx_ack(which: u32, len: u32): void;
@external("env", "tx_flush") export declare function tx_flush(): void;
@external("env", "tx_close") export declare function tx_close(): void;
@external("env", "tx_peer_eof") export declare function tx_peer_eof(): void;
@external("env", "tx_error") export declare function tx_error(): u32;
@external("env", "tx_detail") export declare function tx_detail(): u32;
@external("env", "tx_is_tls") export declare function tx_is_tls(): u32;
@external("env", "tx_version") export declare function tx_version(): u32;
@external("env", "tx_suite") export declare function tx_suite(): u32;
@external("env", "session_export") export declare function session_export(out: usize): u32;
@external("env", "session_import") export declare function session_import(src: usize, len: u32): u32;
@external("env", "session_resumed") export declare function session_resumed(): u32;
@external("env", "tls_max_fragment") export declare function tls_max_fragment(): u32;
@external("env", "store_init") export declare function store_init(region: usize, size: u32): void;
@external("env", "store_add") export declare function store_add(der: usize, len: u32): u32;
@external("env", "store_used") export declare function store_used(): u32;
@external("env", "store_count") export declare function store_count(): u32;
@external("env", "store_detail") export declare function store_detail(): u32;
@external("env", "mem_arena") export declare function mem_arena(): usize;
@external("env", "mem_stack_paint") export declare function mem_stack_paint(): void;
@external("env", "mem_stack_peak") export declare function mem_stack_peak(): u32;
@external("env", "mem_tls_state") export declare function mem_tls_state(): u32;
