/*
 * SSDT for the memhp_acpi_container test: an ACPI container (a hot-plug
 * node board) on proximity domain 1, a node with no memory and no CPU at
 * boot, holding two PNP0C80 memory devices of 128 MiB each at 1 GiB and
 * 1 GiB + 128 MiB: guest RAM that the exact map of the command line
 * hides.  The devices are present while the container is; its _EJ0
 * takes them all.
 */
DefinitionBlock ("", "SSDT", 2, "MEMHP", "CONTAIN", 1)
{
    Scope (\_SB)
    {
        Device (NODE)
        {
            Name (_HID, "ACPI0004")
            Name (_UID, 0x434E)
            Name (_PXM, 1)
            Name (STAV, 0x0F)
            Method (_STA, 0, NotSerialized)
            {
                Return (STAV)
            }
            Method (_EJ0, 1, NotSerialized)
            {
                STAV = Zero
            }
            Device (MEMA)
            {
                Name (_HID, EisaId ("PNP0C80"))
                Name (_UID, 0x434D41)
                Method (_STA, 0, NotSerialized)
                {
                    Return (\_SB.NODE.STAV)
                }
                Name (_CRS, ResourceTemplate ()
                {
                    QWordMemory (ResourceConsumer, PosDecode, MinFixed, MaxFixed,
                        Cacheable, ReadWrite, 0x0,
                        0x40000000, 0x47FFFFFF, 0x0, 0x8000000,,,)
                })
            }
            Device (MEMB)
            {
                Name (_HID, EisaId ("PNP0C80"))
                Name (_UID, 0x434D42)
                Method (_STA, 0, NotSerialized)
                {
                    Return (\_SB.NODE.STAV)
                }
                Name (_CRS, ResourceTemplate ()
                {
                    QWordMemory (ResourceConsumer, PosDecode, MinFixed, MaxFixed,
                        Cacheable, ReadWrite, 0x0,
                        0x48000000, 0x4FFFFFFF, 0x0, 0x8000000,,,)
                })
            }
        }
    }
}
