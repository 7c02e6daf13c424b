/*
 * SSDT for the memhp_acpi_shared test: a second PNP0C80 memory device
 * whose _CRS names the 128 MiB at 4 GiB that the cold-plugged DIMM of the
 * test (QEMU's own memory device for it) already describes.
 */
DefinitionBlock ("", "SSDT", 2, "MEMHP", "SHARED", 1)
{
    Scope (\_SB)
    {
        Device (MSHR)
        {
            Name (_HID, EisaId ("PNP0C80"))
            Name (_UID, 0x5348)
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
                    0x100000000, 0x107FFFFFF, 0x0, 0x8000000,,,)
            })
        }
    }
}
