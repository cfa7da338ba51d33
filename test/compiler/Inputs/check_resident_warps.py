"""Checks each kernel's resident_warps_per_sm in an --emit report JSON
against the occupancy rule it states: whole blocks of the kernel's
threads (threads / blocks), as many as 65,536 registers an SM (ptxas's
count, rounded up to 8 a thread), 2,048 threads and 32 blocks allow.
Prints the kernels whose registers bound them below the 2,048 threads."""
import json
import sys

report = json.load(open(sys.argv[1]))
bounded = 0
for call in report["calls"]:
    for kernel in call["kernels"]:
        block = -(-kernel["threads"] // kernel["blocks"])
        blocks = min(32, 2048 // block)
        registers = kernel.get("ptxas", {}).get("registers", 0)
        if registers:
            per_thread = -(-registers // 8) * 8
            blocks = min(blocks, 65536 // (per_thread * block))
        expected = max(blocks, 1) * -(-block // 32)
        if kernel["resident_warps_per_sm"] != expected:
            sys.exit(f"{kernel['name']}: resident_warps_per_sm "
                     f"{kernel['resident_warps_per_sm']}, expected {expected}")
        bounded += expected * 32 < 2048
print(f"resident warps as stated; {bounded} kernel reports held below 64 warps an SM")
