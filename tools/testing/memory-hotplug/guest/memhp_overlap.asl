/*
 * SSDT for the memhp_acpi_overlap test: one PNP0C80 memory device whose
 * _CRS lists a 256 MiB range and a second one that overlaps its upper
 * half.  The memory lies at 256 GiB, far from RAM and DIMMs, and is never
 * onlined (nothing backs it).
 */
DefinitionBlock ("", "SSDT", 2, "MEMHP", "OVERLAP", 1)
{
    Scope (\_SB)
    {
        Device (MOVL)
        {
            Name (_HID, EisaId ("PNP0C80"))
            Name (_UID, 0x4D4F)
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
                QWordMemory (ResourceConsumer, PosDecode, MinFixed, MaxFixed,
                    Cacheable, ReadWrite, 0x0,
                    0x4000000000, 0x400FFFFFFF, 0x0, 0x10000000,,,)
                QWordMemory (ResourceConsumer, PosDecode, MinFixed, MaxFixed,
                    Cacheable, ReadWrite, 0x0,
                    0x4008000000, 0x4017FFFFFF, 0x0, 0x10000000,,,)
            })
        }
    }
}
