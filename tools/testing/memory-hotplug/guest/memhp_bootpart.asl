/*
 * SSDT for the memhp_acpi_bootpart scenario: one PNP0C80 memory device
 * whose _CRS covers the last two 128 MiB blocks of a 1 GiB guest's boot
 * RAM (768 MiB - 1 GiB) and one block of address space above it that is
 * not RAM (1 GiB - 1152 MiB).  The kernel has part of the range already,
 * so it must bind the blocks it has to the device and add nothing.
 */
DefinitionBlock ("", "SSDT", 2, "MEMHP", "BOOTPART", 1)
{
    Scope (\_SB)
    {
        Device (MBPT)
        {
            Name (_HID, EisaId ("PNP0C80"))
            Name (_UID, 0x4250)
            Name (STAV, 0x0F)
            Method (_STA, 0, NotSerialized)
            {
                Return (STAV)
            }
            Method (_EJ0, 1, NotSerialized)
            {
                STAV = Zero
            }
            Name (_CRS, ResourceTemplate ()
            {
                /* 384 MiB at 768 MiB: boot blocks 6 and 7, then a hole */
                QWordMemory (ResourceConsumer, PosDecode, MinFixed, MaxFixed,
                    Cacheable, ReadWrite, 0x0,
                    0x30000000, 0x47FFFFFF, 0x0, 0x18000000,,,)
            })
        }
    }
}
