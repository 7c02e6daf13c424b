/*
 * SSDT for the memhp_acpi_fwbug scenario: one PNP0C80 memory device whose
 * _CRS holds what firmware gets wrong.  Its memory lies at 256 GiB, far
 * from RAM and DIMMs, and is never onlined (nothing backs it).
 */
DefinitionBlock ("", "SSDT", 2, "MEMHP", "FWBUG", 1)
{
    Scope (\_SB)
    {
        Device (MBAD)
        {
            Name (_HID, EisaId ("PNP0C80"))
            Name (_UID, 0x4D42)
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
                /* good: 256 MiB at 256 GiB */
                QWordMemory (ResourceConsumer, PosDecode, MinFixed, MaxFixed,
                    Cacheable, ReadWrite, 0x0,
                    0x4000000000, 0x400FFFFFFF, 0x0, 0x10000000,,,)
                /* overlaps the good range */
                QWordMemory (ResourceConsumer, PosDecode, MinFixed, MaxFixed,
                    Cacheable, ReadWrite, 0x0,
                    0x4008000000, 0x4017FFFFFF, 0x0, 0x10000000,,,)
                /* 192 MiB starting mid-block: only its middle block fits */
                QWordMemory (ResourceConsumer, PosDecode, MinFixed, MaxFixed,
                    Cacheable, ReadWrite, 0x0,
                    0x4104000000, 0x410FFFFFFF, 0x0, 0x0C000000,,,)
                /* 64 MiB: less than a block */
                QWordMemory (ResourceConsumer, PosDecode, MinFixed, MaxFixed,
                    Cacheable, ReadWrite, 0x0,
                    0x4300000000, 0x4303FFFFFF, 0x0, 0x04000000,,,)
                /* empty */
                QWordMemory (ResourceConsumer, PosDecode, MinNotFixed, MaxNotFixed,
                    Cacheable, ReadWrite, 0x0,
                    0x4400000000, 0x4400000000, 0x0, 0x0,,,)
            })
        }
    }
}
